"""What a model owes the runner (docs/design.md §7.3): the members that ``GANExperiment``,
its callbacks and ``export.export_generator`` use, besides ``keras.Model``'s own.

A ``keras.Model`` with a custom ``train_step`` that has these members trains, resumes,
evaluates and exports through ``vagan train`` with nothing else changed; ``AnnealedGAN``,
``UnnormalizedGAN`` and ``ReverseKLFlow`` are the ones in this package.
"""
from typing import Protocol

MEMBERS = ("step", "generator", "latent", "latent_dim", "compile", "optimizers_by_name",
           "build_all", "examples_per_step", "sample")


class TrainableSampler(Protocol):
    """The runner's view of a model.

    Attributes:
      step: int64 ``keras.Variable``, the generator updates done; ``train_step`` adds 1.
        Checkpoints are numbered by it and a resumed run continues from it.
      generator: keras model z [n, latent_dim] -> x [n, *data_shape], exported as
        ``serve(z)``; ``SampleGrid`` draws image grids with it.
      latent: a ``latents.Latent``; the export's ``sample(n)`` is ``serve`` of its draws.
      latent_dim: size of z.
      optimizers_by_name: the compiled optimizers by their ``compile`` argument names,
        checkpointed under those names.

    Optional: ``batch_multiple``, an int that each replica's batch B must be a multiple of
    (``AnnealedGAN``'s packed critic judges m rows at once); ``GANExperiment`` checks it
    before anything is written, and takes 1 when a model has none.

    A model with a ``flow`` (a ``flows.MAF`` or ``IAF``) also gets the export's
    ``log_prob(x)``: the flow's log density, which is the sampler's own density when the
    flow is the sampler (``ReverseKLFlow``).
    """

    step: object
    generator: object
    latent: object
    latent_dim: int

    def compile(self, generator_optimizer, **optimizers):
        """Keeps one optimizer per network (``GANExperiment`` passes those bound in gin)."""

    @property
    def optimizers_by_name(self):
        ...

    def build_all(self):
        """Creates every variable (networks and optimizer slots), so that a checkpoint can be
        restored before the first step."""

    def examples_per_step(self, batch_size):
        """Elements of the pipeline one ``train_step`` consumes for a generator batch B."""

    def sample(self, n, seed=None):
        """n samples [n, *data_shape], float32, for evaluation and ``samples.png``."""


def missing_members(model):
    """The ``MEMBERS`` of ``TrainableSampler`` that ``model`` lacks, sorted ([] if none).

    A member counts when the model's class defines it (methods, properties such as
    ``optimizers_by_name``, which need ``compile`` first) or the model has set it.
    """
    defined = set(getattr(model, "__dict__", ()))
    for cls in type(model).__mro__:
        defined.update(vars(cls))
    return sorted(name for name in MEMBERS if name not in defined)
