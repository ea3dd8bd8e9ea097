"""A run's directory: its paths, its gin configs and resuming from its checkpoints.

``GANExperiment`` and ``RLExperiment`` both keep a run in ``model_dir`` and count it in
steps (generator steps; environment steps) checkpointed once per epoch of
``steps_per_epoch`` steps; this base class holds what they share.
"""
import os

import gin


class RunDirectory:
    """Base of the experiments. A subclass sets ``model_dir``, ``steps_per_epoch``,
    ``checkpoint`` and ``checkpoint_manager``, and returns its step counter from ``step()``."""

    def path(self, *names):
        return os.path.join(self.model_dir, *names)

    def step(self):
        """The run's step, as its checkpointed counter holds it."""
        raise NotImplementedError

    def restore(self):
        """Restores the latest checkpoint, if any; returns the step it resumes at."""
        latest = self.checkpoint_manager.latest_checkpoint
        if latest:
            self.checkpoint.restore(latest).assert_existing_objects_matched()
        return self.step()

    def begin(self):
        """Writes ``config.gin`` and restores; returns the step to resume at (0 for a new run)."""
        os.makedirs(self.model_dir, exist_ok=True)
        with open(self.path("config.gin"), "w", encoding="utf-8") as f:
            f.write(gin.config_str())
        start = self.restore()
        if start % self.steps_per_epoch:
            raise ValueError(f"checkpoint step {start} is not a multiple of steps_per_epoch "
                             f"{self.steps_per_epoch}; was the run started with other bindings?")
        return start

    def write_operative_config(self):
        """Writes ``operative_config.gin``: the bindings the run actually used."""
        with open(self.path("operative_config.gin"), "w", encoding="utf-8") as f:
            f.write(gin.operative_config_str())
