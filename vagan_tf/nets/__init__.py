"""Network builders; every builder is gin-configurable."""
from vagan_tf.nets.mlp import MLPDenoiser, mlp_critic, mlp_generator

__all__ = ["MLPDenoiser", "mlp_critic", "mlp_generator"]
