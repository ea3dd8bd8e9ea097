"""UnnormalizedGAN (U-GAN): a generator that learns to sample u(x) from log u alone.

For the generator's law q, a flow nu and the normaliser Z of u,

    KL(q || u / Z) = E_q[log q - log nu] + E_q[log nu - log u] + log Z.

The first term is estimated by a critic w(x) ~ log q(x) / nu(x) (logistic regression
of generated points, label 1, against flow samples, label 0); the flow is trained by
maximum likelihood on generated points, so it follows q and keeps w small. One
``train_step`` (t = the model's ``step``, eps ~ latent, B the batch size):

1. ``flow_steps`` flow updates:   L_nu = -mean log nu(sg[G(eps)]);
2. ``critic_steps`` critic updates: L_w = mean softplus(-w(sg[G(eps)])) + mean softplus(w(x_nu)),
   x_nu ~ nu drawn without gradient (fresh, or B rows of a pool of ``flow_pool_size`` flow
   samples redrawn every ``flow_pool_every`` steps: drawing nu takes d sequential MADE
   passes per MAF block, most of a step from d ~ 30 on, and the pool pays that once per
   ``flow_pool_every`` steps, at the price of a critic fitted against the nu of the last
   redraw);
3. one generator update on L_G of ``form`` at lambda_t from ``schedule``
   (``ugan_updates.generator_loss``), with gradients to the generator only. Both forms are
   KL(q || u) up to log Z once lambda reaches 0 (beta = 1 + lambda_t, or 1 / (1 + lambda_t),
   as for AnnealedGAN).

The losses and steps are those of ``vagan_tf.models.ugan_updates`` (docs/design.md §4.2-4.3),
which soft Q-learning's policy update shares. ``critic=None`` is the critic-free
ablation (w = 0: the flow stands in for q).
The logged ``kl_up_to_log_z`` is mean[w + log nu - log u] over the generator batch,
an estimate of KL(q || u / Z) - log Z.

Points x = G(eps) are cast to float32 before the flow, the critic's loss and log u
see them (mixed precision computes only the networks in 16 bits). Under a
``tf.distribute`` strategy each replica draws its rows of the global batch's noise
and every loss is a global-batch mean (see ``vagan_tf.training.distribute``).
"""
import gin
import keras
import tensorflow as tf

from vagan_tf.annealing import schedules
from vagan_tf.config import checks
from vagan_tf.config.configurable import keras_configurable
from vagan_tf.evaluation import importance
from vagan_tf.models import ugan_updates
from vagan_tf.models.contract import TrainableSampler
from vagan_tf.training import distribute
from vagan_tf.training.latents import NormalLatent


@keras_configurable()
class UnnormalizedGAN(TrainableSampler):
    """Generator G(eps) paired with a flow nu (and a critic w) to sample exp(log u).

    Args:
      generator: keras model eps [B, latent_dim] -> x [B, d].
      flow: a ``flows.MAF`` or ``flows.IAF`` over R^d (any layer with ``log_prob(x)`` and
        ``bijector()``, the map of its N(0, I_d) base to x).
      target: an object with ``log_prob(x) -> [n]`` (``targets.banana()`` ...) and ``dim``.
      latent_dim: size of eps.
      critic: keras model x -> logit [B, 1] (or [logit, features]); None for the ablation.
      schedule: an ``annealing`` schedule of lambda_t (None: lambda = 0, beta = 1).
      form: 'likelihood' or 'entropy' (see the module docstring).
      flow_steps: updates of nu per generator update.
      critic_steps: updates of w per generator update.
      flow_pool_every: the pool's redraw period in steps (see ``flow_pool_size``).
      flow_pool_size: None (the default) draws the critic's x_nu afresh at
        each critic step; an int P keeps a pool of P flow samples, redrawn when the step is a
        multiple of ``flow_pool_every`` (and checkpointed with the model, so a resumed run
        goes on as an uninterrupted one), from which each critic step takes B rows at random.
      latent: the latent distribution (``latents.NormalLatent`` by default).
      seed: seed of the model's noise (latents, flow samples).
      name: the model's name.

    Raises:
      ValueError: ``flow_steps`` or ``critic_steps`` < 1, an unknown ``form``, or the
        generator, flow, target and critic disagree on the point's shape; in ``compile``, a
        critic and no ``critic_optimizer``.
      ConfigurationError: ``flow_pool_size`` without a critic or under a ``tf.distribute``
        strategy, or a pool size or period that is not a positive integer.
    """

    def __init__(self, generator=gin.REQUIRED, flow=gin.REQUIRED, target=gin.REQUIRED,
                 latent_dim=gin.REQUIRED, critic=None, schedule=None, form="likelihood",
                 flow_steps=1, critic_steps=1, flow_pool_size=None, flow_pool_every=1,
                 latent=None, seed=None, name="unnormalized_gan"):
        super().__init__(name=name)
        schedules.check_form(form, "UnnormalizedGAN")
        if flow_steps < 1 or (critic is not None and critic_steps < 1):
            raise ValueError("UnnormalizedGAN.flow_steps and critic_steps must be >= 1")
        self.generator = generator
        self.flow = flow
        self.target = target
        self.critic = critic
        self.latent_dim = int(latent_dim)
        self.schedule = schedule
        self.form = form
        self.flow_steps = int(flow_steps)
        self.critic_steps = int(critic_steps)
        self.latent = latent if latent is not None else NormalLatent()
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.step = keras.Variable(0, dtype="int64", trainable=False, name="step")
        self.data_shape = tuple(generator.output_shape[1:])
        self._check_dimensions()
        self.flow_pool_every = checks.positive_int("UnnormalizedGAN.flow_pool_every",
                                                   flow_pool_every)
        self.flow_pool = None
        if flow_pool_size is not None:
            if critic is None:
                raise checks.ConfigurationError(
                    "UnnormalizedGAN.flow_pool_size needs a critic: the pool holds the "
                    "critic's flow samples")
            if tf.distribute.has_strategy():
                raise checks.ConfigurationError(
                    "UnnormalizedGAN.flow_pool_size: a pool of flow samples is not supported "
                    "under a tf.distribute strategy")
            size = checks.positive_int("UnnormalizedGAN.flow_pool_size", flow_pool_size)
            self.flow_pool = keras.Variable(tf.zeros((size, flow.event_dim)), trainable=False,
                                            name="flow_pool")
        names = ["flow_loss"] + (["critic_loss"] if critic is not None else [])
        names += ["generator_loss", "kl_up_to_log_z", "target_log_prob"]
        self.track(names)

    def _check_dimensions(self):
        dims = {"generator output": self.data_shape, "flow": (self.flow.event_dim,),
                "target": (int(self.target.dim),)}
        if self.critic is not None:
            dims["critic input"] = tuple(self.critic.input_shape[1:])
        if len(set(dims.values())) > 1:
            shapes = ", ".join(f"{k} {v}" for k, v in dims.items())
            raise ValueError(f"UnnormalizedGAN: the point shapes disagree: {shapes}")

    # ------------------------------------------------------------------ set-up
    def compile(self, generator_optimizer, flow_optimizer, critic_optimizer=None, **kwargs):
        """One optimizer per network; ``critic_optimizer`` is needed iff there is a critic
        (``TrainableSampler.compile_optimizers``).

        Args:
          generator_optimizer: the keras optimizer of the generator.
          flow_optimizer: the keras optimizer of the flow.
          critic_optimizer: the keras optimizer of the critic, or None.
          **kwargs: passed to ``keras.Model.compile``.

        Raises:
          ValueError: a needed optimizer is None.
        """
        self.compile_optimizers({"generator_optimizer": generator_optimizer,
                                 "flow_optimizer": flow_optimizer,
                                 "critic_optimizer": critic_optimizer}, **kwargs)

    def optimizer_needs(self):
        """The optimizers ``compile`` needs: the generator's, the flow's and, with a critic,
        the critic's.

        Returns:
          {``compile`` argument name: why the model needs that optimizer}.
        """
        needs = {"generator_optimizer": "UnnormalizedGAN trains a generator",
                 "flow_optimizer": "UnnormalizedGAN trains a flow"}
        if self.critic is not None:
            needs["critic_optimizer"] = "UnnormalizedGAN has a critic"
        return needs

    def build_all(self):
        """Create every variable (networks, optimizer slots) without training."""
        x = self.generator(tf.zeros((1, self.latent_dim)))
        self.flow.log_prob(x)
        if self.critic is not None:
            self.critic(x)
            self.critic_optimizer.build(self.critic.trainable_variables)
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.flow_optimizer.build(self.flow.trainable_variables)
        self.built = True  # or fit under a strategy would build it by calling it on data

    def log_normaliser_estimates(self, n, seed=(0, 0)):
        """Importance estimates of log Z = log int u from n draws of each proposal
        (``importance.log_weight_estimates``: log_z_hat, ess_fraction):

        'flow': x ~ nu with weights u / nu (nu's density is exact);
        'generator' (with a critic): x ~ q with weights u / exp(w + log nu), q's density
        *estimated* by the critic, so these numbers rest on the critic's fit.
        ``seed``: a stateless seed pair for nu's draws.

        Args:
          n: draws per proposal.
          seed: a stateless seed pair for nu's draws (q's draws are unseeded).

        Returns:
          {'flow': {'log_z_hat', 'ess_fraction'}[, 'generator': {...}]}, Python floats.

        Raises:
          ValueError: a NaN among a proposal's log weights.
        """
        flow_weights, _ = importance.proposal_log_weights(self.target, self.flow.distribution(),
                                                          n, seed)
        estimates = {"flow": importance.log_weight_estimates(flow_weights)}
        if self.critic is not None:
            generator_weights, _ = importance.generator_log_weights(self.target, self, n)
            estimates["generator"] = importance.log_weight_estimates(generator_weights)
        return estimates

    def lam(self):
        """lambda_t at the model's step.

        Returns:
          The schedule's lambda_t, a float32 scalar tensor (0 without a schedule).
        """
        return self.schedule(self.step) if self.schedule is not None else tf.constant(0.0)

    def beta(self, lam):
        """beta_t of the model's ``form`` for weight lambda.

        Args:
          lam: lambda_t, a float or float32 tensor.

        Returns:
          1 + lambda (likelihood) or 1 / (1 + lambda) (entropy), of ``lam``'s shape.
        """
        return schedules.beta(self.form, lam)

    # ------------------------------------------------------------------ steps
    def _generate(self, batch, training=True):
        """G(eps) in float32 for this replica's ``batch`` rows of the global batch's eps."""
        z = distribute.replica_rows(
            lambda n: self.latent.sample((n, self.latent_dim), seed=self.seed_generator), batch)
        return tf.cast(self.generator(z, training=training), tf.float32)

    def _flow_samples(self, batch):
        """x_nu ~ nu: the flow's bijector applied to this replica's rows of N(0, I) noise."""
        base = distribute.replica_rows(
            lambda n: keras.random.normal((n, self.flow.event_dim), seed=self.seed_generator),
            batch)
        return self.flow.bijector().forward(base)

    def _critic_logit(self, x):
        out = self.critic(x, training=True)
        return tf.cast(out[0] if isinstance(out, (list, tuple)) else out, tf.float32)

    def _flow_step(self, batch):
        loss = ugan_updates.flow_step(self.flow, self.flow_optimizer, self._generate(batch))
        self.trackers["flow_loss"].update_state(loss)

    def _refresh_flow_pool(self):
        """Redraws the pool of flow samples when the step is a multiple of flow_pool_every."""
        def redraw():
            self.flow_pool.assign(self._flow_samples(self.flow_pool.shape[0]))
            return tf.constant(True)

        tf.cond(self.step % self.flow_pool_every == 0, redraw, lambda: tf.constant(False))

    def _pooled_flow_samples(self, batch):
        """``batch`` rows of the pool, drawn uniformly with replacement."""
        rows = keras.random.randint((batch,), 0, self.flow_pool.shape[0],
                                    seed=self.seed_generator)
        return tf.gather(self.flow_pool, rows)

    def _critic_step(self, batch):
        x_q = self._generate(batch)
        x_nu = (self._flow_samples(batch) if self.flow_pool is None
                else self._pooled_flow_samples(batch))
        loss = ugan_updates.critic_step(self._critic_logit, self.critic.trainable_variables,
                                        self.critic_optimizer, x_q, x_nu)
        self.trackers["critic_loss"].update_state(loss)

    def generator_terms(self, x):
        """(w(x), log nu(x), log u(x)), each [B], at points x (w = 0 without a critic).

        Args:
          x: points [B, d], float32.

        Returns:
          (w [B], log nu [B], log u [B]), float32 tensors.
        """
        log_nu = self.flow.log_prob(x)
        w = tf.zeros_like(log_nu) if self.critic is None else self._critic_logit(x)[:, 0]
        return w, log_nu, self.target.log_prob(x)

    def generator_loss(self, x, lam):
        """(L_G, logs) at generated points x; logs: kl_up_to_log_z, target_log_prob.

        Args:
          x: generated points [B, d], float32.
          lam: lambda_t, a float or float32 scalar tensor.

        Returns:
          (L_G, logs) of ``ugan_updates.generator_loss``: scalar tensors.
        """
        return ugan_updates.generator_loss(*self.generator_terms(x), lam, self.form)

    def _generator_step(self, batch, lam):
        loss, logs = ugan_updates.generator_step(
            lambda: self.generator_terms(self._generate(batch)),
            self.generator.trainable_variables, self.generator_optimizer, lam, self.form)
        self.trackers["generator_loss"].update_state(loss)
        for name, value in logs.items():
            self.trackers[name].update_state(value)

    def train_step(self, data):
        """One step of the module docstring with B = the rows of ``data`` (a ``step_counter``
        batch); returns the logs: each tracker's mean since the epoch began, lambda and beta."""
        batch = tf.shape(tf.convert_to_tensor(data))[0]
        # each kind of step traced once, in a graph loop: three unrolled flow steps were
        # 80 % of the step's graph at d = 62 and most of a BLR run's first-call latency
        distribute.repeat(lambda _: self._flow_step(batch), self.flow_steps)
        if self.critic is not None:
            if self.flow_pool is not None:
                self._refresh_flow_pool()
            distribute.repeat(lambda _: self._critic_step(batch), self.critic_steps)
        lam = self.lam()
        self._generator_step(batch, lam)
        self.step.assign_add(1)
        logs = {m.name: m.result() for m in self.metrics}
        logs.update(**{"lambda": lam, "beta": self.beta(lam)})
        return distribute.fit_logs(logs)
