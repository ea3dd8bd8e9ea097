"""A soft Q-learning run in a model directory: train, resume, export the policy sampler.

``D`` after ``RLExperiment(D).train()``:

    D/config.gin              every binding the run was started with
    D/operative_config.gin    the bindings actually used (written at the end)
    D/checkpoints/            tf.train checkpoints (networks, optimizers, replay buffer, RNG,
                              environment steps), one per epoch
    D/logs/                   TensorBoard: train/episode_return at the step each episode
                              ended, eval/return, losses, seconds_per_env_step (wall) and
                              cpu_seconds_per_env_step (the process's CPU time)
    D/metrics.json            one record per epoch [{"step": environment steps, ...}, ...]
    D/export                  SavedModel with sample(observations) -> actions (a link to
                              the newest of D/exports/, as in ``vagan_tf.run.model_run``)
    D/lock                    held by the process that trains, exports or plays rollouts

An epoch is ``steps_per_epoch`` environment steps, each followed by one
``train_iteration`` once ``warmup_steps`` transitions are stored; every epoch starts a
fresh episode seeded by (seed, epoch), so a run resumed from an epoch's checkpoint
takes the steps the uninterrupted run would have taken. Running ``train()`` again in
the same directory resumes.
"""
import math
import time

import gin
import keras
import numpy as np
import tensorflow as tf

from vagan_tf.config import checks
from vagan_tf.rl.agent import EnvironmentLoop, evaluate_policy, make_env, play_episodes
from vagan_tf.run.callbacks import training_stopped
from vagan_tf.run.directory import RunDirectory, append_record
from vagan_tf.run.export import write_atomically


def export_policy_sampler(sampler, action_low, action_high, path):
    """Writes a SavedModel whose ``sample(observations [n, obs_dim])`` returns actions [n, m].

    The actions are a = low + (tanh(g_pre(s, eps)) + 1) (high - low) / 2 with a fresh
    eps ~ N(0, I) per row, inside the environment's bounds [low, high]; loading it
    needs TensorFlow only.

    Args:
        sampler: the agent's ``PolicySampler``.
        action_low: the environment's lower action bounds [m].
        action_high: the environment's upper action bounds [m].
        path: the export's link (``write_atomically``).

    Returns:
        The absolute ``path``.
    """
    low = tf.constant(action_low, tf.float32)
    high = tf.constant(action_high, tf.float32)
    archive = keras.export.ExportArchive()
    archive.track(sampler)

    def sample(observations):
        noise = tf.random.normal([tf.shape(observations)[0], sampler.noise_dim])
        squashed = tf.tanh(sampler([observations, noise], training=False))
        return low + (squashed + 1.0) * 0.5 * (high - low)

    archive.add_endpoint("sample", sample, input_signature=[
        tf.TensorSpec((None, sampler.observation_dim), tf.float32, name="observations")])
    return write_atomically(lambda tmp: archive.write_out(tmp, verbose=False), path)


@gin.configurable
class RLExperiment(RunDirectory):
    """Builds the environment and agent from gin and runs soft Q-learning.

    Args:
      model_dir: the run's directory.
      agent: ``agent(observation_dim=, action_dim=)`` -> a ``SoftQAgent``.
      total_env_steps: environment steps of the whole run (a multiple of ``steps_per_epoch``).
      env_name: a gymnasium id.
      max_episode_steps: the episodes' time limit (None: the environment's own).
      steps_per_epoch: environment steps between checkpoints, evaluations and records.
      warmup_steps: transitions stored before the first train iteration.
      eval_episodes: episodes of the evaluation after each epoch (0: none).
      seed: seed of the environments' episodes.
      checkpoints_to_keep: how many checkpoints the manager keeps (each holds the replay buffer).
      verbose: print one line per epoch.

    Raises:
      ConfigurationError: a count that is not a positive (``warmup_steps``,
        ``eval_episodes``: non-negative) integer, or ``total_env_steps`` not a multiple of
        ``steps_per_epoch``.
      ImportError: gymnasium is not installed.
    """

    def __init__(self, model_dir, agent=gin.REQUIRED, total_env_steps=gin.REQUIRED,
                 env_name="Swimmer-v5", max_episode_steps=None, steps_per_epoch=1000,
                 warmup_steps=1000, eval_episodes=1, seed=0, checkpoints_to_keep=2, verbose=1):
        total_env_steps = checks.positive_int("RLExperiment.total_env_steps", total_env_steps)
        steps_per_epoch = checks.positive_int("RLExperiment.steps_per_epoch", steps_per_epoch)
        checks.multiple_of("RLExperiment.total_env_steps", total_env_steps,
                           "RLExperiment.steps_per_epoch", steps_per_epoch)
        self.model_dir = model_dir
        self.total_env_steps = total_env_steps
        self.steps_per_epoch = steps_per_epoch
        self.warmup_steps = checks.non_negative_int("RLExperiment.warmup_steps", warmup_steps)
        self.eval_episodes = checks.non_negative_int("RLExperiment.eval_episodes", eval_episodes)
        self.seed = int(seed)
        self.verbose = verbose
        self.env_name, self.max_episode_steps = env_name, max_episode_steps
        self.env = make_env(env_name, max_episode_steps=max_episode_steps)
        self.eval_envs = [make_env(env_name, max_episode_steps=max_episode_steps)
                          for _ in range(self.eval_episodes)]
        self.agent = agent(observation_dim=self.env.observation_space.shape[0],
                           action_dim=self.env.action_space.shape[0])
        self.env_steps = tf.Variable(0, dtype=tf.int64, trainable=False, name="env_steps")
        self.keep_checkpoints(
            tf.train.Checkpoint(env_steps=[self.env_steps], **self.agent.checkpoint_variables()),
            checks.positive_int("RLExperiment.checkpoints_to_keep", checkpoints_to_keep))

    def step(self):
        """The environment steps taken, as the checkpointed counter holds them.

        Returns:
          An int.
        """
        return int(self.env_steps.numpy())

    def length(self):
        """The run's length.

        Returns:
          ``total_env_steps``.
        """
        return self.total_env_steps

    def train(self, extend=False, stretch_schedules=False):
        """Trains to ``total_env_steps`` (resuming if possible), exports, returns the record.

        Holds the run directory's lock throughout; ``extend`` lets a resumed run change its
        length, ``stretch_schedules`` the horizon of the schedules that read it (see
        ``RunDirectory.begin``).

        Args:
          extend: allow a length that differs from the run's.
          stretch_schedules: allow a length change that re-stretches schedules.

        Returns:
          The last epoch's record (as in ``metrics.json``), or {'step', 'eval_return'} of
          the restored policy when nothing was left to train.

        Raises:
          RunDirectoryError: the run directory refuses the run (``RunDirectory.begin``).
          NonFiniteLossError: a loss of an epoch is not finite.
        """
        with self.lock():
            start = self.begin(extend=extend, stretch_schedules=stretch_schedules)
            writer = tf.summary.create_file_writer(self.path("logs"))
            loop = EnvironmentLoop(self.env, self.agent)
            record = None
            for epoch in range(start // self.steps_per_epoch,
                               self.total_env_steps // self.steps_per_epoch):
                record = self._run_epoch(epoch, loop, writer)
            self.write_operative_config()
            if record is None:  # nothing left to train: evaluate the restored policy
                record = {"step": start, "eval_return": self._evaluate(start)}
            self._write_export()
        return record

    def _evaluate(self, step):
        returns = evaluate_policy(self.eval_envs, self.agent, seed=self.evaluation_seed(step))
        return float(np.mean(returns)) if returns else None

    def evaluation_seed(self, step):
        """The seed of the evaluation after environment step ``step`` (see ``agent.play_episodes``):
        the agent checkpointed at ``step`` replays its evaluation episodes from it.

        Args:
          step: the environment step.

        Returns:
          seed * 1_000_003 + step, an int.
        """
        return self.seed * 1_000_003 + step

    def _run_epoch(self, epoch, loop, writer):
        """Steps the environment (and trains) for one epoch; evaluates, records, checkpoints."""
        step = epoch * self.steps_per_epoch
        loop.reset(seed=self.seed * 1_000_003 + epoch)
        episode_returns, iterations = [], 0
        started, started_cpu = time.perf_counter(), time.process_time()
        with writer.as_default():
            for _ in range(self.steps_per_epoch):
                finished = loop.step()
                step += 1
                if finished is not None:
                    episode_returns.append(finished)
                    tf.summary.scalar("train/episode_return", finished, step=step)
                if step >= self.warmup_steps:
                    self.agent.train_iteration()
                    iterations += 1
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - started_cpu
            losses = self.agent.mean_losses() if iterations else {}
            bad = sorted(name for name, value in losses.items() if not math.isfinite(value))
            if bad:
                raise training_stopped(bad, f"before environment step {step}",
                                       self.checkpoint_manager.latest_checkpoint)
            record = {"step": step, "episode_returns": episode_returns,
                      "train_return": float(np.mean(episode_returns)) if episode_returns else None,
                      "eval_return": self._evaluate(step),
                      "seconds_per_env_step": seconds / self.steps_per_epoch,
                      "cpu_seconds_per_env_step": cpu_seconds / self.steps_per_epoch,
                      "train_iterations": iterations, **losses}
            if record["eval_return"] is not None:
                tf.summary.scalar("eval/return", record["eval_return"], step=step)
            for name in ["seconds_per_env_step", "cpu_seconds_per_env_step", *losses]:
                tf.summary.scalar(f"train/{name}", record[name], step=step)
        self.env_steps.assign(step)
        # the record before the checkpoint: a run killed between the two redoes the epoch
        # and rewrites the record, so every checkpointed step has its record
        append_record(self.path("metrics.json"), record)
        self.checkpoint_manager.save(checkpoint_number=step)
        writer.flush()
        if self.verbose:
            print(f"env step {step}: train return {record['train_return']}, "
                  f"eval return {record['eval_return']}, "
                  f"{1000 * record['seconds_per_env_step']:.1f} ms/step", flush=True)
        return record

    def rollout_latest(self, num_episodes, seed=None):
        """Restores the newest checkpoint and plays ``num_episodes`` episodes with its policy
        (``agent.play_episodes``), holding the lock; returns (step, episodes).

        ``seed`` None takes that step's evaluation seed: with ``num_episodes`` equal to
        ``eval_episodes`` the episodes are the ones its evaluation scored.

        Args:
          num_episodes: the episodes to play, a positive integer.
          seed: the first episode's seed; None: the step's evaluation seed.

        Returns:
          (step, episodes): the checkpoint's step and ``play_episodes``' list of dicts.

        Raises:
          ConfigurationError: ``num_episodes`` is not a positive integer.
          RunDirectoryError: no checkpoint to restore, or the lock cannot be taken.
        """
        num_episodes = checks.positive_int("num_episodes", num_episodes)
        with self.lock():
            step = self.restore()
            if self.restored_from is None:
                raise checks.RunDirectoryError(
                    f"no checkpoint in {self.path('checkpoints')} to play")
            envs = [make_env(self.env_name, max_episode_steps=self.max_episode_steps)
                    for _ in range(num_episodes)]
            seed = self.evaluation_seed(step) if seed is None else int(seed)
            return step, play_episodes(envs, self.agent, seed)

    def _write_export(self):
        space = self.env.action_space
        return export_policy_sampler(self.agent.sampler, space.low, space.high,
                                     self.path("export"))
