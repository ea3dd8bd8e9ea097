"""What a model owes the runner: the ``TrainableSampler`` base class (docs/design.md §7.3).

``GANExperiment`` (``vagan_tf.run.model_run``), its callbacks and
``vagan_tf.run.export.export_generator`` use a model only through the members below, besides
``keras.Model``'s own. A subclass that has the required ones trains, resumes, evaluates and
exports through ``vagan train`` with nothing else changed; ``AnnealedGAN``,
``UnnormalizedGAN`` and ``ReverseKLFlow`` are the ones in this package.

Required (checked when a model is made; a ``TypeError`` names the members it lacks):

* ``step``: int64 ``keras.Variable``, the generator updates done; ``train_step`` adds 1.
  Checkpoints are numbered by it and a resumed run continues from it.
* ``generator``: keras model z [n, latent_dim] -> x [n, *data_shape].
* ``latent``: a ``vagan_tf.training.latents.Latent``; ``latent_dim``: the size of z.
* ``optimizer_needs()``: {``compile`` argument name: why the model needs that optimizer};
  ``compile`` loss-scales one optimizer per network and ``optimizers_by_name`` returns them.
* ``build_all()``: creates every variable (networks, optimizer slots), so that a checkpoint
  can be restored before the first step.
* ``train_step(data)``: one generator update and what goes with it (Keras' ``fit`` calls it).

Optional (declared here with their defaults):

* ``examples_per_step(B)``: elements of the pipeline one ``train_step`` consumes; B.
* ``batch_multiple``: an int each replica's batch B must be a multiple of; 1.
* ``sampling_generator``: the network that samples and is exported; ``generator``.
* ``sample(n, seed=None)``: n samples [n, *data_shape], float32, for evaluation and
  ``samples.png``; the ``sampling_generator`` of latent draws.
* ``flow``: a flow whose ``log_prob(x)`` the export offers as its ``log_prob`` endpoint (the
  sampler's own density when the flow is the sampler, as in ``ReverseKLFlow``); None.
"""
import functools
import inspect
import threading

import keras
import tensorflow as tf

from vagan_tf.training import distribute

REQUIRED_ATTRIBUTES = ("generator", "latent", "latent_dim", "step")
REQUIRED_METHODS = ("build_all", "optimizer_needs", "train_step")
OPTIONAL = ("batch_multiple", "examples_per_step", "flow", "sample", "sampling_generator")

_constructing = threading.local()


def _checked_at_construction(init):
    """``init``, then (for the outermost constructor only) the check of the required members."""

    @functools.wraps(init)
    def construct(self, *args, **kwargs):
        depth = getattr(_constructing, "depth", 0)
        _constructing.depth = depth + 1
        try:
            init(self, *args, **kwargs)
        finally:
            _constructing.depth = depth
        if depth == 0:
            missing = missing_members(self)
            if missing:
                raise TypeError(f"{type(self).__name__} lacks {', '.join(missing)} of "
                                "vagan_tf.models.TrainableSampler (vagan_tf/models/contract.py)")

    construct.__signature__ = inspect.signature(init)  # Keras reads it to record the config
    return construct


class TrainableSampler(keras.Model):
    """Base of the models ``vagan train`` runs; the members are listed in the module docstring."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in vars(cls):
            cls.__init__ = _checked_at_construction(cls.__init__)

    # ------------------------------------------------------------------ optional members
    flow = None

    @property
    def batch_multiple(self):
        """Each replica's batch B must be a multiple of this (1: any B)."""
        return 1

    @property
    def sampling_generator(self):
        """The network that samples and is exported (the generator itself)."""
        return self.generator

    def examples_per_step(self, batch_size):
        """Elements of the pipeline one ``train_step`` consumes for a generator batch B: B.

        Args:
          batch_size: B, the generator's batch.

        Returns:
          B.
        """
        return batch_size

    def sample(self, n, seed=None):
        """n samples x = G(z) [n, *data_shape] of the ``sampling_generator``, in float32.

        Args:
          n: the number of samples (an int or int scalar tensor).
          seed: the latents' seed: a ``keras.random.SeedGenerator`` or an int; None:
            TensorFlow's global generator (``latents.Latent``).

        Returns:
          float32 [n, *data_shape].
        """
        z = self.latent.sample((n, self.latent_dim), seed=seed)
        return tf.cast(self.sampling_generator(z, training=False), tf.float32)

    def call(self, z, training=False):
        """G(z): the generator's output [B, *data_shape] for latents z [B, latent_dim]."""
        return self.generator(z, training=training)

    # ------------------------------------------------------------------ shared set-up
    def compile_optimizers(self, optimizers, **keras_arguments):
        """``keras.Model.compile(**keras_arguments)``, then one optimizer per network.

        Each optimizer of ``optimizer_needs()`` becomes the attribute of its name, wrapped in
        a ``LossScaleOptimizer`` under the 'mixed_float16' dtype policy; the other names of
        ``optimizers`` (networks this model does not have) are set to None.

        Args:
          optimizers: {``compile`` argument name: keras optimizer or None}.
          **keras_arguments: passed to ``keras.Model.compile``.

        Raises:
          ValueError: a needed optimizer is None; the message names it and why it is needed.
        """
        super().compile(**keras_arguments)
        needs = self.optimizer_needs()
        for name, why in needs.items():
            if optimizers.get(name) is None:
                raise ValueError(f"{why}: pass {name} to compile()")
        for name, optimizer in optimizers.items():
            setattr(self, name, None if name not in needs else
                    distribute.loss_scaled(optimizer, self.dtype_policy))
        self._optimizer_names = tuple(needs)

    @property
    def optimizers_by_name(self):
        """The optimizers in use, by their ``compile`` argument names (after ``compile``)."""
        return {name: getattr(self, name) for name in self._optimizer_names}

    def track(self, names):
        """Makes ``self.trackers``: a ``keras.metrics.Mean`` per logged name (``metrics``
        returns them, so Keras resets them at each epoch).

        Args:
          names: the logged names, in the order of the logs.
        """
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def metrics(self):
        """The trackers (``track``), which Keras resets at each epoch."""
        return list(self.trackers.values())


def _defines(cls, name):
    """Whether a class between ``cls`` and ``TrainableSampler`` (excluded) defines ``name``."""
    return any(name in vars(c) for c in cls.__mro__
               if issubclass(c, TrainableSampler) and c is not TrainableSampler)


def missing_members(model):
    """The required members ``model`` lacks, sorted ([] if none).

    An attribute counts when the model has it; a method when the model's class, below
    ``TrainableSampler``, defines it. A model that is no ``TrainableSampler`` lacks them all.

    Args:
      model: any object, usually a ``TrainableSampler``.

    Returns:
      The sorted list of the names of ``REQUIRED_ATTRIBUTES`` and ``REQUIRED_METHODS`` it lacks.
    """
    if not isinstance(model, TrainableSampler):
        return sorted(REQUIRED_ATTRIBUTES + REQUIRED_METHODS)
    missing = [name for name in REQUIRED_ATTRIBUTES if not hasattr(model, name)]
    missing += [name for name in REQUIRED_METHODS if not _defines(type(model), name)]
    return sorted(missing)
