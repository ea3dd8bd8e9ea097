"""A training run of a GAN (annealed or unnormalised) in a model directory: train, resume, export.

``D`` after ``GANExperiment(D).train()``:

    D/config.gin              every binding the run was started with
    D/operative_config.gin    the bindings actually used (written at the end)
    D/checkpoints/            tf.train checkpoints (model, optimizers, step), one per epoch
    D/logs/                   TensorBoard: training losses, lambda_t, beta_t, eval/ metrics
    D/metrics.json            periodic evaluation records [{"step": t, ...}, ...]
    D/samples.png             samples of the latest evaluation
    D/samples/                sample grids of a fixed z (image runs, ``SampleGrid``)
    D/export                  SavedModel with sample(n) and serve(z) (and log_prob(x) of a flow),
                              a link swapped atomically to the newest of D/exports/
    D/lock                    held by the process that trains or exports
    D/workers/<task>_<id>/    a multi-worker run's other workers, each a run directory like D

Running ``train()`` again in the same directory resumes from the last checkpoint, with
the checks of ``run_directory.RunDirectory`` (one writer, one configuration).

Built by ``strategies.distributed_experiment`` under a ``tf.distribute`` strategy, the
run trains on several devices or workers: ``batch_size`` is then the global batch,
split evenly between the replicas, and checkpoints are interchangeable with those of
a one-device run of the same config.
"""
import gin
import keras
import tensorflow as tf

from vagan_tf.config import checks
from vagan_tf.models.contract import TrainableSampler
from vagan_tf.run import callbacks as cb
from vagan_tf.run.directory import RunDirectory
from vagan_tf.run.export import export_generator

gin.external_configurable(keras.optimizers.Adam, "Adam", module="keras.optimizers")
gin.external_configurable(keras.optimizers.SGD, "SGD", module="keras.optimizers")
gin.external_configurable(keras.optimizers.schedules.CosineDecay, "CosineDecay",
                          module="keras.optimizers.schedules")


@gin.configurable
class GANExperiment(RunDirectory):
    """Builds the model, optimizers and pipeline from gin and trains with ``model.fit``.

    Args:
      model_dir: the run's directory.
      model: a ``TrainableSampler`` (``models/contract.py``) (``AnnealedGAN``, ``UnnormalizedGAN``,
        ``ReverseKLFlow``); one that lacks a member of it is refused, naming the member.
      dataset_fn: ``dataset_fn(batch_size=..., start=...)`` -> endless ``tf.data`` of real
        batches; ``start`` is the step a resumed run continues from.
      total_steps: generator steps of the whole run.
      batch_size: generator batch size B (the pipeline batch is
        ``model.examples_per_step(B)``: n_critic * B for an AnnealedGAN); under a
        strategy of R replicas, the global batch, B / R per replica.
      steps_per_epoch: steps between checkpoints and evaluations.
      generator_optimizer: keras optimizer of the generator.
      critic_optimizer: keras optimizer of the critic.
      denoiser_optimizer: keras optimizer of the denoiser.
      flow_optimizer: keras optimizer of the flow. Each is passed to ``model.compile``
        when given (an AnnealedGAN takes the first three, an UnnormalizedGAN the
        generator's, the flow's and the critic's).
      evaluator: ``evaluator(samples) -> dict`` for ``metrics.json``, or None.
      eval_samples: number of samples drawn for each evaluation and plot.
      eval_every_epochs: evaluate after every that many epochs (and after the last).
      checkpoints_to_keep: how many checkpoints the manager keeps.
      steps_per_execution: train steps per compiled call (amortises Keras' per-step
        overhead; the non-finite guard then looks every that many steps); 1 under a
        tf.distribute strategy.
      callbacks: extra keras callbacks, run after checkpointing and evaluation; a
        ``SampleGrid`` among them writes to ``D/samples`` and ``D/logs``.
      verbose: ``fit``'s verbosity (1: progress bar).

    Raises:
      ConfigurationError: a count that is not a positive integer; ``total_steps`` not a
        multiple of ``steps_per_epoch``, or ``steps_per_epoch`` of ``steps_per_execution``;
        ``steps_per_execution`` > 1 under a strategy; a model that is no
        ``TrainableSampler``; a ``batch_size`` that the replicas or the packed critic's
        rows do not divide.
      ValueError: the model needs an optimizer that is not given (``model.compile``).
    """

    def __init__(self, model_dir, model=gin.REQUIRED, dataset_fn=gin.REQUIRED,
                 total_steps=gin.REQUIRED, batch_size=256, steps_per_epoch=1000,
                 generator_optimizer=gin.REQUIRED, critic_optimizer=None,
                 denoiser_optimizer=None, flow_optimizer=None, evaluator=None, eval_samples=2500,
                 eval_every_epochs=1,
                 checkpoints_to_keep=3, steps_per_execution=1, callbacks=(), verbose=1):
        total_steps = checks.positive_int("GANExperiment.total_steps", total_steps)
        steps_per_epoch = checks.positive_int("GANExperiment.steps_per_epoch", steps_per_epoch)
        checks.multiple_of("GANExperiment.total_steps", total_steps,
                           "GANExperiment.steps_per_epoch", steps_per_epoch)
        batch_size = checks.positive_int("GANExperiment.batch_size", batch_size)
        eval_samples = checks.positive_int("GANExperiment.eval_samples", eval_samples)
        eval_every_epochs = checks.positive_int("GANExperiment.eval_every_epochs",
                                                eval_every_epochs)
        checkpoints_to_keep = checks.positive_int("GANExperiment.checkpoints_to_keep",
                                                  checkpoints_to_keep)
        steps_per_execution = checks.positive_int("GANExperiment.steps_per_execution",
                                                  steps_per_execution)
        if steps_per_execution > 1 and tf.distribute.has_strategy():
            raise checks.ConfigurationError(
                "GANExperiment.steps_per_execution must be 1 under a tf.distribute strategy: "
                "Keras 3 cannot run several steps per call there (keras-team/keras#19246)")
        # Keras runs whole executions: a partial one would overrun the epoch and total_steps
        checks.multiple_of("GANExperiment.steps_per_epoch", steps_per_epoch,
                           "GANExperiment.steps_per_execution", steps_per_execution)
        if not isinstance(model, TrainableSampler):
            raise checks.ConfigurationError(
                f"GANExperiment.model: {type(model).__name__} is not a "
                "vagan_tf.models.TrainableSampler (vagan_tf/models/contract.py)")
        replicas = model.distribute_strategy.num_replicas_in_sync
        if batch_size % replicas:
            raise checks.ConfigurationError(
                f"GANExperiment.batch_size ({batch_size}) must be a multiple of the number of "
                f"replicas ({replicas})")
        multiple = model.batch_multiple
        if (batch_size // replicas) % multiple:
            raise checks.ConfigurationError(
                f"GANExperiment.batch_size ({batch_size}) over {replicas} replica(s) must give "
                f"each a multiple of {multiple}, the rows the packed critic judges together "
                "(mlp_critic.packing)")
        self.model_dir = model_dir
        self.run_seed = 0  # experiment.seed, set by runs.experiment: seeds the evaluations
        self.model = model
        self.dataset_fn = dataset_fn
        self.total_steps = total_steps
        self.batch_size = batch_size
        self.steps_per_epoch = steps_per_epoch
        self.evaluator = evaluator
        self.eval_samples = eval_samples
        self.eval_every_epochs = eval_every_epochs
        self.verbose = verbose
        self.callbacks = list(callbacks)
        optimizers = {"generator_optimizer": generator_optimizer,
                      "critic_optimizer": critic_optimizer,
                      "denoiser_optimizer": denoiser_optimizer, "flow_optimizer": flow_optimizer}
        model.compile(**{name: opt for name, opt in optimizers.items() if opt is not None},
                      steps_per_execution=steps_per_execution)
        model.build_all()
        # Keras 3 objects are not tf.train trackables by attribute; checkpoint their
        # variable lists (weights, step, RNG states, optimizer slots), matched by position.
        self.keep_checkpoints(tf.train.Checkpoint(
            model=list(model.variables),
            **{name: list(opt.variables) for name, opt in model.optimizers_by_name.items()}),
            checkpoints_to_keep)

    def step(self):
        """The generator steps taken, as the model's checkpointed ``step`` holds them.

        Returns:
          An int.
        """
        return int(self.model.step.numpy())

    def length(self):
        """The run's length.

        Returns:
          ``total_steps``.
        """
        return self.total_steps

    def train(self, extend=False, stretch_schedules=False):
        """Trains to ``total_steps`` (resuming if possible), then exports; returns the last evaluation.

        Holds the run directory's lock throughout; ``extend`` lets a resumed run change its
        length, ``stretch_schedules`` the horizon of the schedules that read it (see
        ``RunDirectory.begin``).

        Args:
          extend: allow a length that differs from the run's.
          stretch_schedules: allow a length change that re-stretches schedules.

        Returns:
          The last evaluation's record (``PeriodicEvaluation.evaluate``).

        Raises:
          RunDirectoryError: the run directory refuses the run (``RunDirectory.begin``).
          NonFiniteLossError: a loss, a real batch or a weight became NaN or inf.
          TrainingStoppedError: an op failed during ``fit``.
        """
        with self.lock():
            start = self.begin(extend=extend, stretch_schedules=stretch_schedules)
            evaluation = self._fit(start)
            self.write_operative_config()
            if evaluation.last_record is None:  # nothing left to train: evaluate the restored model
                evaluation.set_model(self.model)
                evaluation.evaluate()
            self._write_export()
        return evaluation.last_record

    def _fit(self, start):
        """``model.fit`` from step ``start`` to ``total_steps``; returns the evaluation callback."""
        dataset = self.dataset_fn(batch_size=self.model.examples_per_step(self.batch_size),
                                  start=start).with_options(replica_share_options())
        evaluation = cb.PeriodicEvaluation(
            self.evaluator, self.eval_samples, self.path("metrics.json"), self.path("samples.png"),
            log_dir=self.path("logs"), every_epochs=self.eval_every_epochs,
            final_epoch=self.total_steps // self.steps_per_epoch, seed=self.run_seed)
        for callback in self.callbacks:
            if isinstance(callback, cb.SampleGrid):
                callback.directory = callback.directory or self.path("samples")
                callback.log_dir = callback.log_dir or self.path("logs")
        callbacks = [
            cb.StopOnNonFinite(self.checkpoint_manager),
            # the record before the checkpoint: a run killed between the two redoes the
            # epoch and rewrites the record, so every checkpointed step has its record
            evaluation,
            cb.CheckpointEachEpoch(self.checkpoint_manager),
            keras.callbacks.TensorBoard(self.path("logs"), update_freq=100),
            *self.callbacks,
        ]
        if start < self.total_steps:
            try:
                self.model.fit(dataset, epochs=self.total_steps // self.steps_per_epoch,
                               initial_epoch=start // self.steps_per_epoch,
                               steps_per_epoch=self.steps_per_epoch, callbacks=callbacks,
                               shuffle=False, verbose=self.verbose)
            except tf.errors.OpError as error:
                raise self._stopped(error) from None
        return evaluation

    def _stopped(self, error):
        """The one-line error of an op that failed in ``fit``: non-finite weights if they are
        (an op of a later step in the same execution fails on them), else the op's message;
        with the checkpoint that is kept."""
        last = self.checkpoint_manager.latest_checkpoint
        weights = cb.non_finite_weights(self.model)
        if weights:
            return cb.training_stopped([f"the weights {', '.join(weights[:3])}"],
                                       f"by step {self.step()}", last)
        message = checks.error_line(error)
        kept = f"the last good checkpoint {last} is kept" if last else "no checkpoint was written"
        return checks.TrainingStoppedError(f"training stopped at step {self.step()}: {message}; "
                                           f"{kept}")

    def _write_export(self):
        return export_generator(self.model, self.path("export"))


def replica_share_options():
    """tf.data options under which each worker reads the whole stream and keeps its share.

    Every worker runs the pipeline and its replicas take their contiguous rows of each
    global batch (auto-sharding by DATA, never by FILE), so a multi-worker run sees the
    batches of a one-device run in the same order, and resumes exactly at ``start``.

    Returns:
      A ``tf.data.Options`` with the DATA auto-shard policy.
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return options
