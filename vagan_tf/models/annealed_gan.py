"""AnnealedGAN: a GAN whose generator loss carries a scheduled annealing term.

One call of ``train_step`` (t = the model's ``step``) does, for a real batch
x of size n_critic * B split into n_critic critic batches (batch i: the examples
i, i + n_critic, i + 2 n_critic, ...):

1. for each critic batch: critic update on
       L_D = objective.critic_loss(y_real, y_fake) + objective.penalty(D, x, G(z)),
   then a denoiser update on the annealing term's points (sg'd);
2. one generator update on
       L_G = objective.generator_loss(y_fake) + annealing.generator_term(h(G(z)), lambda_t),
   with gradients to the generator only; with ``generator_ema = d``, then the moving
   average e <- d e + (1 - d) w of the generator's weights (``ema.WeightAverage``);
3. t <- t + 1.

Under a ``tf.distribute`` strategy each replica runs this step on its share of the
global batch (see ``vagan_tf.training.distribute``): every loss is a mean over the global batch
(``distribute.descend``) and every noise draw the replica's rows of the global draw
(``distribute.replica_rows``). Critic batch i takes every n_critic-th example so that it
is the same set of examples whether the global batch is split into replicas' shares
first or not.
"""
import gin
import keras
import tensorflow as tf

from vagan_tf.annealing.terms import NoAnnealing
from vagan_tf.config.checks import NON_FINITE_REAL
from vagan_tf.config.configurable import keras_configurable
from vagan_tf.models.contract import TrainableSampler
from vagan_tf.training import distribute
from vagan_tf.training.ema import WeightAverage
from vagan_tf.training.latents import NormalLatent
from vagan_tf.training.objectives import JensenShannon


@keras_configurable()
class AnnealedGAN(TrainableSampler):
    """Generator G(z), discriminator D(x) -> (logit, features), objective, annealing term.

    Args:
      generator: keras model z [B, latent_dim] -> x [B, *data_shape].
      discriminator: keras model x -> (logit [B, 1], features [B, ...]).
      latent_dim: size of z.
      objective: an ``objectives.Objective`` (jsd, rkl, wgan_gp).
      annealing: an ``regularizers.AnnealingTerm`` (no_annealing, likelihood, entropy).
      n_critic: critic (and denoiser) updates per generator update; each consumes
        its own 1/n_critic share of the real batch.
      latent: the latent distribution (``latents.NormalLatent`` by default).
      seed: seed of the model's noise (latents, interpolates, denoiser noise).
      generator_ema: None (off), or the decay d in (0, 1) of an exponential moving average
        of the generator's weights, e_t = d e_{t-1} + (1 - d) w_t from e_0 = w_0, updated
        after each generator step; ``sample`` (so evaluation) and export then use G with
        weights e (``sampling_generator``), and training uses w.
      name: the model's name.

    Raises:
      ValueError: ``n_critic`` < 1, or the generator's output shape is not the
        discriminator's input shape; in training, a real batch of another shape, of a
        non-float dtype or of a size that ``n_critic`` does not divide; in ``compile``, an
        annealing term with a denoiser and no ``denoiser_optimizer``.
    """

    def __init__(self, generator=gin.REQUIRED, discriminator=gin.REQUIRED, latent_dim=gin.REQUIRED,
                 objective=None, annealing=None, n_critic=1, latent=None, seed=None,
                 generator_ema=None, name="annealed_gan"):
        super().__init__(name=name)
        if n_critic < 1:
            raise ValueError(f"AnnealedGAN.n_critic must be >= 1, got {n_critic}")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.objective = objective if objective is not None else JensenShannon()
        self.annealing = annealing if annealing is not None else NoAnnealing()
        self.n_critic = int(n_critic)
        self.latent = latent if latent is not None else NormalLatent()
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.step = keras.Variable(0, dtype="int64", trainable=False, name="step")
        self.data_shape = tuple(generator.output_shape[1:])
        critic_shape = tuple(discriminator.input_shape[1:])
        if critic_shape != self.data_shape:
            raise ValueError(f"AnnealedGAN: the generator makes samples of shape {self.data_shape} "
                             f"but the discriminator expects inputs of shape {critic_shape}")
        self.track(self._loss_names() + [NON_FINITE_REAL])
        # made last, so that without it the variables (and checkpoints) are as before
        self.generator_average = (WeightAverage(generator, generator_ema, name="generator_ema")
                                  if generator_ema is not None else None)

    # ------------------------------------------------------------------ set-up
    def compile(self, generator_optimizer, critic_optimizer, denoiser_optimizer=None, **kwargs):
        """One optimizer per network; ``denoiser_optimizer`` is needed iff the term has a denoiser
        (``TrainableSampler.compile_optimizers``).

        Args:
          generator_optimizer: the keras optimizer of the generator.
          critic_optimizer: the keras optimizer of the discriminator.
          denoiser_optimizer: the keras optimizer of the annealing term's denoiser, or None.
          **kwargs: passed to ``keras.Model.compile``.

        Raises:
          ValueError: the term has a denoiser and ``denoiser_optimizer`` is None.
        """
        self.compile_optimizers({"generator_optimizer": generator_optimizer,
                                 "critic_optimizer": critic_optimizer,
                                 "denoiser_optimizer": denoiser_optimizer}, **kwargs)

    def optimizer_needs(self):
        """The optimizers ``compile`` needs: the generator's, the critic's and, when the
        annealing term has a denoiser, the denoiser's.

        Returns:
          {``compile`` argument name: why the model needs that optimizer}.
        """
        needs = {"generator_optimizer": "AnnealedGAN trains a generator",
                 "critic_optimizer": "AnnealedGAN trains a critic"}
        if self.denoiser is not None:
            needs["denoiser_optimizer"] = f"{type(self.annealing).__name__} trains a denoiser"
        return needs

    @property
    def packing(self):
        """Rows the critic judges as one input (``critic.packing``, PacGAN's m; 1 if unset)."""
        return getattr(self.discriminator, "packing", 1)

    @property
    def batch_multiple(self):
        """A replica's batch B must be a multiple of this: the packed critic judges m rows."""
        return self.packing

    def examples_per_step(self, batch_size):
        """Real examples one ``train_step`` consumes: n_critic * B.

        Args:
          batch_size: B, the generator's batch.

        Returns:
          n_critic * B.
        """
        return self.n_critic * batch_size

    @property
    def denoiser(self):
        """The annealing term's denoiser (None for ``no_annealing``)."""
        return self.annealing.denoiser

    def _loss_names(self):
        names = ["critic_loss"]
        if self.objective.has_penalty:
            names.append("gradient_penalty")
        if self.denoiser is not None:
            names.append("denoiser_loss")
        return names + ["generator_loss"]

    def build_all(self):
        """Create every variable (networks, denoiser, optimizer slots) without training.

        Checkpoint restore and export need the full variable set to exist. A packed
        critic (``critic.packing`` = m, PacGAN) is built on m rows.
        """
        z = tf.zeros((self.packing, self.latent_dim))
        x = self.generator(z)
        _, features = self.discriminator(x)
        if self.denoiser is not None:
            self.denoiser(self.annealing.select(x, features))
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.critic_optimizer.build(self.discriminator.trainable_variables)
        if self.denoiser_optimizer is not None:
            self.denoiser_optimizer.build(self.denoiser.trainable_variables)
        self.built = True  # or fit under a strategy would build it by calling it on real data

    @property
    def sampling_generator(self):
        """The network that samples and is exported: G with its moving-average weights when
        ``generator_ema`` is on, else G itself."""
        return self.generator_average if self.generator_average is not None else self.generator

    # ------------------------------------------------------------------ checks
    def _real_batch(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        x = tf.convert_to_tensor(x)
        if x.shape.rank is None or tuple(x.shape[1:]) != self.data_shape:
            raise ValueError(f"AnnealedGAN expects real batches of shape (batch, "
                             f"{', '.join(map(str, self.data_shape))}) to match the generator's "
                             f"output; got {tuple(x.shape)}")
        if not x.dtype.is_floating:
            raise ValueError(f"AnnealedGAN expects floating-point real batches (float32); "
                             f"got {x.dtype.name}")
        batch = x.shape[0]
        if batch is not None and batch % self.n_critic:
            raise ValueError(f"AnnealedGAN with n_critic={self.n_critic} expects a real batch "
                             f"size divisible by {self.n_critic}; got {batch}")
        return tf.cast(x, tf.float32)  # each network casts its inputs to its compute dtype

    # ------------------------------------------------------------------ steps
    def _logits(self, x):
        return self.discriminator(x, training=True)[0]

    def _latents(self, batch):
        """This replica's ``batch`` latents of the global batch's draw."""
        return distribute.replica_rows(
            lambda n: self.latent.sample((n, self.latent_dim), seed=self.seed_generator), batch)

    def _critic_step(self, real):
        fake = self.generator(self._latents(tf.shape(real)[0]), training=True)
        with tf.GradientTape() as tape:
            real_logits, real_features = self.discriminator(real, training=True)
            fake_logits, fake_features = self.discriminator(fake, training=True)
            loss = self.objective.critic_loss(real_logits, fake_logits)
            penalty = self.objective.penalty(self._logits, real, fake, self.seed_generator,
                                             packing=self.packing)
            total = loss + penalty
        distribute.descend(self.critic_optimizer, tape, total,
                           self.discriminator.trainable_variables)
        self.trackers["critic_loss"].update_state(loss)
        if self.objective.has_penalty:
            self.trackers["gradient_penalty"].update_state(penalty)
        if self.denoiser is not None:
            points = self.annealing.denoiser_points(
                real=self.annealing.select(real, real_features),
                fake=self.annealing.select(fake, fake_features))
            self._denoiser_step(points)

    def _denoiser_step(self, points):
        with tf.GradientTape() as tape:
            loss = self.denoiser.denoising_loss(points)
        distribute.descend(self.denoiser_optimizer, tape, loss, self.denoiser.trainable_variables)
        self.trackers["denoiser_loss"].update_state(loss)

    def generator_loss(self, z, lam):
        """(L_G, logs): L_G = objective.generator_loss(y_fake) + annealing term.

        ``logs`` = {"generator_loss": the adversarial part}, by tracker name.

        Args:
          z: latents [B, latent_dim].
          lam: lambda_t, a float32 scalar tensor.

        Returns:
          (L_G, logs): L_G a scalar tensor (this replica's mean), logs {name: scalar tensor}.
        """
        fake = self.generator(z, training=True)
        fake_logits, fake_features = self.discriminator(fake, training=True)
        adversarial = self.objective.generator_loss(fake_logits)
        term = self.annealing.generator_term(self.annealing.select(fake, fake_features), lam)
        return adversarial + term, {"generator_loss": adversarial}

    def _generator_step(self, batch, lam):
        z = self._latents(batch)
        with tf.GradientTape() as tape:
            loss, logs = self.generator_loss(z, lam)
        distribute.descend(self.generator_optimizer, tape, loss,
                           self.generator.trainable_variables)
        if self.generator_average is not None:
            self.generator_average.update()
        for name, value in logs.items():
            self.trackers[name].update_state(value)

    def _critic_batches(self, real):
        """[n_critic, B, ...]: critic batch i holds the examples i, i + n_critic, ... of real."""
        interleaved = tf.reshape(real, [-1, self.n_critic, *self.data_shape])
        return tf.transpose(interleaved, [1, 0, *range(2, 2 + len(self.data_shape))])

    def _critic_steps(self, real):
        critic_batches = self._critic_batches(real)
        # a graph loop over one traced critic step: W-GAN-GP's double backprop through
        # the convolutions compiles 5x faster than five unrolled copies
        distribute.repeat(lambda i: self._critic_step(critic_batches[i]), self.n_critic)

    def train_step(self, data):
        """One step of the module docstring on a real batch x [n_critic B, *data_shape] (or
        a tuple whose first element is x); returns the logs: each tracker's mean since the
        epoch began, lambda and beta."""
        real = self._real_batch(data)
        # NaN data need not reach the losses (oneDNN's ReLU maps NaN to 0): count it apart
        self.trackers[NON_FINITE_REAL].update_state(
            tf.cast(tf.logical_not(tf.reduce_all(tf.math.is_finite(real))), tf.float32))
        self._critic_steps(real)
        lam = self.annealing.lam(self.step)
        self._generator_step(tf.shape(real)[0] // self.n_critic, lam)
        self.step.assign_add(1)
        logs = {m.name: m.result() for m in self.metrics}
        logs.update(**{"lambda": lam, "beta": self.annealing.beta(lam)})
        return distribute.fit_logs(logs)
