"""A replay buffer of transitions (s, a, r, s', terminal) held in TensorFlow variables.

Transition t (counting from 0 over the whole run) is stored in slot t mod N, N the
capacity, so once N transitions have been added each new one overwrites the oldest.
With n_added transitions added, the buffer holds min(n_added, N) of them and a batch
is drawn uniformly with replacement from the occupied slots:

    i_b ~ U{0, ..., min(n_added, N) - 1},   b = 1..B.

For n-step returns ``sample_windows`` draws windows of n transitions in the order they
were added: the window's first transition is drawn as above (positions counted from the
oldest stored transition, p_b ~ U{0, ..., size - 1}) and its k-th is the one added k
after it. Transition k + 1 continues the window's episode when it was stored and its
observation is transition k's next observation, s_{k+1} = s'_k (a reset starts an
episode from an observation of its own).

Living in variables, the buffer is sampled inside a compiled train step and is saved
and restored by ``tf.train.Checkpoint`` with the rest of a run (``variables``).
"""
import gin
import tensorflow as tf

FIELDS = ("observations", "actions", "rewards", "next_observations", "terminals")


@gin.configurable
class ReplayBuffer:
    """Capacity ``capacity`` ring buffer of float32 transitions.

    Args:
      observation_dim: size of s.
      action_dim: size of a.
      capacity: N, the number of transitions kept (10^6 for the MuJoCo runs).
    """

    def __init__(self, observation_dim, action_dim, capacity=10**6):
        self.capacity = int(capacity)
        shapes = {"observations": [observation_dim], "actions": [action_dim], "rewards": [],
                  "next_observations": [observation_dim], "terminals": []}
        self.storage = {name: tf.Variable(tf.zeros([self.capacity] + shapes[name]),
                                          trainable=False, name=f"replay_{name}")
                        for name in FIELDS}
        self.num_added = tf.Variable(0, dtype=tf.int64, trainable=False, name="replay_num_added")

    @property
    def variables(self):
        """Every variable of the buffer, in a fixed order (for checkpoints): the storage of each
        field of ``FIELDS``, then the count of transitions added."""
        return [self.storage[name] for name in FIELDS] + [self.num_added]

    def size(self):
        """min(n_added, N): the number of transitions that can be sampled.

        Returns:
          An int64 scalar tensor.
        """
        return tf.minimum(self.num_added, self.capacity)

    @tf.function
    def add(self, observations, actions, rewards, next_observations, terminals):
        """Stores a batch of n transitions (leading axis n) in slots (n_added + j) mod N.

        A batch longer than N keeps only its last N transitions, as adding them one by
        one would.

        Args:
          observations: s [n, observation_dim].
          actions: a [n, action_dim].
          rewards: r [n].
          next_observations: s' [n, observation_dim].
          terminals: [n], 1 where s' is terminal, else 0.
        """
        batch = {"observations": observations, "actions": actions, "rewards": rewards,
                 "next_observations": next_observations, "terminals": terminals}
        batch = {name: tf.cast(value, tf.float32)[-self.capacity:] for name, value in batch.items()}
        n = tf.shape(batch["rewards"], out_type=tf.int64)[0]
        skipped = tf.cast(tf.shape(rewards)[0], tf.int64) - n
        slots = (self.num_added + skipped + tf.range(n)) % self.capacity
        for name in FIELDS:
            self.storage[name].scatter_nd_update(slots[:, None], batch[name])
        self.num_added.assign_add(n + skipped)

    def sample(self, batch_size, rng):
        """A dict of B transitions drawn uniformly (with replacement) with ``rng``, a
        ``tf.random.Generator``; the buffer must not be empty.

        Args:
          batch_size: B.
          rng: a ``tf.random.Generator``.

        Returns:
          {field of ``FIELDS``: float32 [B, ...]}.

        Raises:
          tf.errors.InvalidArgumentError: the buffer is empty (when the check runs: at once
            eagerly, when the graph runs inside a ``tf.function``).
        """
        tf.debugging.assert_positive(self.size(), "ReplayBuffer.sample: the buffer is empty")
        slots = rng.uniform([batch_size], 0, self.size(), dtype=tf.int64)
        return {name: tf.gather(self.storage[name], slots) for name in FIELDS}

    def sample_windows(self, batch_size, length, rng):
        """B windows of ``length`` consecutive transitions, drawn with ``rng``.

        Returns the fields of ``FIELDS`` with shapes [B, length, ...] and ``continues``
        [B, length - 1]: 1 where transition k + 1 was stored and continues transition k's
        episode (s_{k+1} = s'_k), else 0 (the fields after a 0 belong to no window).

        Args:
          batch_size: B.
          length: the transitions per window.
          rng: a ``tf.random.Generator``.

        Returns:
          {field of ``FIELDS``: float32 [B, length, ...], 'continues': float32
          [B, length - 1]}.

        Raises:
          tf.errors.InvalidArgumentError: the buffer is empty (when the check runs).
        """
        tf.debugging.assert_positive(self.size(),
                                     "ReplayBuffer.sample_windows: the buffer is empty")
        size = self.size()
        oldest = (self.num_added - size) % self.capacity
        positions = rng.uniform([batch_size], 0, size, dtype=tf.int64)
        offsets = tf.range(length, dtype=tf.int64)
        slots = (oldest + positions[:, None] + offsets[None, :]) % self.capacity
        window = {name: tf.gather(self.storage[name], slots) for name in FIELDS}
        stored = positions[:, None] + offsets[None, 1:] < size
        follows = tf.reduce_all(tf.equal(window["next_observations"][:, :-1],
                                         window["observations"][:, 1:]), axis=-1)
        window["continues"] = tf.cast(stored & follows, tf.float32)
        return window
