"""Keras callbacks of a training run: non-finite guard, checkpoints, evaluation, sample grids."""
import math
import os

import gin
import keras
import numpy as np
import tensorflow as tf

from vagan_tf.config.checks import NON_FINITE_REAL, NonFiniteLossError
from vagan_tf.evaluation.plots import image_grid, save_samples_png
from vagan_tf.run.directory import append_record


def _non_finite_logs(logs):
    """The names of the logs that are NaN or inf, with ``NON_FINITE_REAL`` among them when > 0."""
    return sorted(name for name, value in (logs or {}).items()
                  if not np.all(np.isfinite(np.asarray(value, np.float64)))
                  or (name == NON_FINITE_REAL and np.any(np.asarray(value) > 0)))


@tf.function(reduce_retracing=True)
def _all_finite(variables):
    return tf.reduce_all([tf.reduce_all(tf.math.is_finite(v)) for v in variables])


def non_finite_weights(model):
    """The paths of ``model``'s floating-point weights that hold NaN or inf (one check, then names).

    Args:
        model: a keras model (anything without ``weights`` has none).

    Returns:
        A list of weight paths, empty when every weight is finite.
    """
    weights = [v for v in getattr(model, "weights", []) if "float" in str(v.dtype)]
    if not weights or bool(_all_finite(weights)):
        return []
    return [v.path for v in weights if not np.all(np.isfinite(v.numpy()))]


class StopOnNonFinite(keras.callbacks.Callback):
    """Stops ``fit`` when a loss, a real batch or a weight becomes NaN or inf.

    Looks after every call of the train function (every ``steps_per_execution`` steps) at
    the logs, at the model's ``NON_FINITE_REAL`` log (a real batch held NaN or inf, which
    oneDNN's kernels may keep out of the losses) and at the weights. Raising ends ``fit``
    before any later checkpoint or export is written, so the last good checkpoint on disk
    is what a restart resumes from.

    Args:
        checkpoint_manager: the run's ``tf.train.CheckpointManager``, named in the message;
            None: none.
    """

    def __init__(self, checkpoint_manager=None):
        super().__init__()
        self.checkpoint_manager = checkpoint_manager
        self._checked_step = None

    def on_train_begin(self, logs=None):
        """Notes the step training starts from."""
        self._checked_step = self._step()

    def _step(self):
        return int(self.model.step.numpy()) if hasattr(self.model, "step") else None

    def on_train_batch_end(self, batch, logs=None):
        """Checks the logs, the real batches' flag and the weights after a train function call.

        Raises:
            NonFiniteLossError: something became non-finite (``training_stopped``).
        """
        bad = _non_finite_logs(logs)
        if NON_FINITE_REAL in bad:
            bad[bad.index(NON_FINITE_REAL)] = "a real batch"
        weights = non_finite_weights(self.model)
        if weights:
            shown = ", ".join(weights[:3]) + (f" and {len(weights) - 3} more" if len(weights) > 3
                                              else "")
            bad.append(f"the weights {shown}")
        step = self._step()
        if not bad:
            self._checked_step = step
            return
        last = self.checkpoint_manager.latest_checkpoint if self.checkpoint_manager else None
        when = (f"at step {step}" if step is None or self._checked_step is None
                or step - self._checked_step <= 1
                else f"at step {step} (in steps {self._checked_step + 1}-{step})")
        raise training_stopped(bad, when, last)


def training_stopped(bad, when, last_checkpoint):
    """The ``NonFiniteLossError`` every run raises: what became non-finite, when, what is kept.

    Args:
        bad: the names of what became non-finite.
        when: when, in words (e.g. 'at step 120').
        last_checkpoint: the prefix of the last checkpoint written, or None.

    Returns:
        The ``NonFiniteLossError`` (not raised).
    """
    kept = (f"the last good checkpoint {last_checkpoint} is kept" if last_checkpoint
            else "no checkpoint had been written yet")
    return NonFiniteLossError(f"training stopped: {', '.join(bad)} became non-finite {when}; "
                              f"{kept}, and no export was written from the diverged weights")


class CheckpointEachEpoch(keras.callbacks.Callback):
    """Saves a ``tf.train.CheckpointManager`` checkpoint (model, optimizers, step) after each epoch.

    Args:
        checkpoint_manager: the run's ``tf.train.CheckpointManager``.
    """

    def __init__(self, checkpoint_manager):
        super().__init__()
        self.checkpoint_manager = checkpoint_manager

    def on_epoch_end(self, epoch, logs=None):
        """Saves a checkpoint numbered by the model's step, unless a log is not finite."""
        if not _non_finite_logs(logs):
            self.checkpoint_manager.save(checkpoint_number=int(self.model.step.numpy()))


class PeriodicEvaluation(keras.callbacks.Callback):
    """Every ``every_epochs`` epochs and after ``final_epoch``: draw samples, evaluate, plot.

    Appends ``{"step": t, **evaluator(samples)}`` to ``metrics_path`` (a JSON list),
    writes the scalar entries to TensorBoard under ``eval/`` and the samples to
    ``samples_path`` as a PNG. The samples' noise is seeded by ``evaluation_seed(seed, t)``,
    so the record of step t is the same however the run got there (resumed or not).

    Args:
        evaluator: ``evaluator(samples)`` -> a dict of metrics; None: the record holds the
            step alone.
        num_samples: samples per evaluation.
        metrics_path: the JSON list of records (``metrics.json``).
        samples_path: the PNG of the samples.
        log_dir: the TensorBoard directory; None: no TensorBoard scalars.
        every_epochs: epochs between evaluations.
        final_epoch: the run's last epoch (counted from 1), always evaluated; None: none.
        chunk_size: samples drawn per call of ``model.sample``.
        seed: the run's seed, for ``evaluation_seed``.
    """

    def __init__(self, evaluator, num_samples, metrics_path, samples_path, log_dir=None,
                 every_epochs=1, final_epoch=None, chunk_size=500, seed=0):
        super().__init__()
        self.seed = int(seed)
        self.evaluator = evaluator
        self.num_samples = int(num_samples)
        self.metrics_path = metrics_path
        self.samples_path = samples_path
        self.every_epochs = int(every_epochs)
        self.final_epoch = final_epoch
        self.chunk_size = int(chunk_size)
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "eval")) if log_dir else None
        self.last_record = None

    def on_epoch_end(self, epoch, logs=None):
        """Evaluates after every ``every_epochs``-th epoch and after the final one."""
        if (epoch + 1) % self.every_epochs == 0 or epoch + 1 == self.final_epoch:
            self.evaluate()

    def evaluate(self):
        """Evaluates the current generator and returns the record it appended.

        Returns:
            ``{"step": t, **evaluator(samples)}``.
        """
        step = int(self.model.step.numpy())
        samples = draw_samples(self.model, self.num_samples, self.chunk_size,
                               seed=evaluation_seed(self.seed, step))
        record = {"step": step}
        if self.evaluator is not None:
            record.update(self.evaluator(samples))
        append_record(self.metrics_path, record)
        if self.writer is not None:
            with self.writer.as_default():
                for key, value in record.items():
                    if isinstance(value, (int, float)) and key != "step" and math.isfinite(value):
                        tf.summary.scalar(key, value, step=step)
            self.writer.flush()
        save_samples_png(samples, self.samples_path, title=f"step {step}")
        self.last_record = record
        return record


@gin.configurable
class SampleGrid(keras.callbacks.Callback):
    """Every ``every_steps`` steps: a grid of G(z) for a fixed z, as PNG and TensorBoard image.

    The same ``num_images`` latents are used throughout a run (drawn from ``seed``), so
    successive grids show how each sample evolves. ``GANExperiment`` sets ``directory``
    (PNG files ``grid_<step>.png``) and ``log_dir``.

    Args:
        every_steps: steps between grids.
        num_images: images per grid.
        seed: the keras seed of the latents.
        directory: the folder of the PNG files; None: no files.
        log_dir: the TensorBoard directory; None: no TensorBoard images.
    """

    def __init__(self, every_steps=1000, num_images=64, seed=1234, directory=None, log_dir=None):
        super().__init__()
        self.every_steps = int(every_steps)
        self.num_images = int(num_images)
        self.seed = seed
        self.directory = directory
        self.log_dir = log_dir
        self._latents = None
        self._writer = None

    def on_train_batch_end(self, batch, logs=None):
        """Writes a grid when the model's step is a multiple of ``every_steps``."""
        step = int(self.model.step.numpy())
        if step % self.every_steps == 0:
            self.write(step)

    def write(self, step):
        """Writes the grid of the current generator at ``step``; returns the uint8 picture.

        Args:
            step: the step, in the file name and TensorBoard.

        Returns:
            The grid, uint8 [H, W, C] (``image_grid``).
        """
        if self._latents is None:
            self._latents = self.model.latent.sample((self.num_images, self.model.latent_dim),
                                                     seed=self.seed)
        generator = self.model.sampling_generator
        images = generator(self._latents, training=False).numpy()  # what the export draws
        grid = image_grid(images)
        if self.directory:
            os.makedirs(self.directory, exist_ok=True)
            save_samples_png(images, os.path.join(self.directory, f"grid_{step:08d}.png"))
        if self.log_dir:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "samples"))
            with self._writer.as_default():
                tf.summary.image("samples", grid[None], step=step)
            self._writer.flush()
        return grid


def evaluation_seed(run_seed, step):
    """The seed of the evaluation noise at ``step`` of a run seeded ``run_seed``: a function of
    the pair alone (NumPy's ``SeedSequence`` hash), so a resumed run draws what an
    uninterrupted one drew.

    Args:
        run_seed: the run's seed.
        step: the step.

    Returns:
        The seed, an int in [0, 2^32).
    """
    return int(np.random.SeedSequence([int(run_seed), int(step)]).generate_state(1)[0])


def draw_samples(model, num_samples, chunk_size=500, seed=None):
    """``num_samples`` draws of ``model.sample`` as one array, ``chunk_size`` at a time
    (10 000 images at once would not fit in memory). ``seed``: TensorFlow's global seed is
    set to it first, so the draws are a function of ``seed`` and the weights.

    Args:
        model: a model with ``sample(n)`` (a ``TrainableSampler``).
        num_samples: the number of draws.
        chunk_size: draws per call.
        seed: TensorFlow's global seed; None: left as it is.

    Returns:
        The draws, a NumPy array [num_samples, ...].
    """
    if seed is not None:
        tf.random.set_seed(seed)
    return np.concatenate([model.sample(min(chunk_size, num_samples - begin)).numpy()
                           for begin in range(0, num_samples, chunk_size)])
