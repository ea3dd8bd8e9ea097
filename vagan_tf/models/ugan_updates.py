"""The U-GAN updates (docs/design.md §4.2-4.3), shared by ``UnnormalizedGAN`` and soft Q-learning.

For generated points x = G(eps) with law q, a flow nu and a critic w, each update is a
loss of tensors and one step that differentiates it:

    flow:       L_nu = -mean log nu(sg[x])                       (maximum likelihood on q)
    critic:     L_w  = mean softplus(-w(sg[x])) + mean softplus(w(x_nu)),  x_nu ~ nu
                       (so w* = log q / nu; ``objectives.logistic_critic_loss``)
    generator:  L_G of the likelihood or entropy form (``generator_loss``; design.md §4.3)

with w + log nu standing for log q. Both forms are KL(q || u / Z) - log Z at lambda = 0;
they anneal to beta = 1 + lambda and beta = 1 / (1 + lambda) (``annealing``). The steps
descend with ``distribute.descend``, so their gradients are global-batch means under a
``tf.distribute`` strategy. A conditional flow (soft Q-learning's nu(x | s)) takes its
``context``; a critic is any callable x -> logits, which lets the caller feed it the
states or the squashed actions as well.
"""
import tensorflow as tf

from vagan_tf.training.distribute import descend
from vagan_tf.training.objectives import logistic_critic_loss

def flow_loss(log_nu):
    """L_nu = -mean log nu(x) over the generated points' flow log densities [B].

    Args:
        log_nu: log nu(x) [B].

    Returns:
        L_nu, a scalar tensor.
    """
    return -tf.reduce_mean(log_nu)


def critic_loss(generated_logits, flow_logits):
    """L_w = mean softplus(-w(x_q)) + mean softplus(w(x_nu)); minimised by w* = log q / nu.

    Args:
        generated_logits: w(x_q) at generated points [B, 1] (or [B]).
        flow_logits: w(x_nu) at flow samples [B, 1] (or [B]).

    Returns:
        L_w, a float32 scalar tensor.
    """
    return logistic_critic_loss(generated_logits, flow_logits)


def generator_loss(w, log_nu, log_u, lam=0.0, form="likelihood"):
    """(L_G of ``form``, logs) from the terms [B] at generated points.

    likelihood: L_G = mean[w + log nu - (1 + lambda) log u];
    entropy:    L_G = mean[(1 + lambda)(w + log nu) - log u].
    ``logs`` holds ``kl_up_to_log_z`` = mean[w + log nu - log u], which estimates
    KL(q || u / Z) - log Z whatever lambda is, and ``target_log_prob`` = mean log u.

    Args:
        w: the critic's logits w(x) [B] (zeros without a critic).
        log_nu: log nu(x) [B].
        log_u: log u(x) [B].
        lam: lambda, a float or float32 scalar tensor.
        form: 'likelihood'; any other value is the entropy form.

    Returns:
        (L_G, logs): scalar tensors, logs {'kl_up_to_log_z': ..., 'target_log_prob': ...}.
    """
    log_q = w + log_nu
    if form == "likelihood":
        loss = tf.reduce_mean(log_q - (1.0 + lam) * log_u)
    else:
        loss = tf.reduce_mean((1.0 + lam) * log_q - log_u)
    return loss, {"kl_up_to_log_z": tf.reduce_mean(log_q - log_u),
                  "target_log_prob": tf.reduce_mean(log_u)}


def flow_step(flow, optimizer, x, context=None):
    """One ``optimizer`` step of ``flow`` on L_nu at sg[x] (given ``context``); returns L_nu.

    Args:
        flow: a flow with ``log_prob(x, context=)`` and ``trainable_variables``.
        optimizer: the flow's keras optimizer.
        x: generated points [B, d].
        context: None, or the context [B, context_dim] of a conditional flow.

    Returns:
        L_nu, a scalar tensor.
    """
    x = tf.stop_gradient(x)
    with tf.GradientTape() as tape:
        loss = flow_loss(flow.log_prob(x, context=context))
    descend(optimizer, tape, loss, flow.trainable_variables)
    return loss


def critic_step(critic_logits, variables, optimizer, generated, flow_samples):
    """One step on L_w of ``critic_logits(x) -> w(x)``, at sg[generated] and sg[flow_samples].

    ``variables`` are the critic's trainable variables; returns L_w.

    Args:
        critic_logits: ``critic_logits(x)`` -> w(x) [B, 1] (or [B]).
        variables: the critic's trainable variables.
        optimizer: the critic's keras optimizer.
        generated: generated points x_q [B, ...].
        flow_samples: flow samples x_nu [B, ...].

    Returns:
        L_w, a float32 scalar tensor.
    """
    generated = tf.stop_gradient(generated)
    flow_samples = tf.stop_gradient(flow_samples)
    with tf.GradientTape() as tape:
        loss = critic_loss(critic_logits(generated), critic_logits(flow_samples))
    descend(optimizer, tape, loss, variables)
    return loss


def generator_step(generator_terms, variables, optimizer, lam=0.0, form="likelihood"):
    """One step on L_G; returns (L_G, logs) as ``generator_loss`` does.

    ``generator_terms()`` draws fresh points x = G(eps) under the step's tape and returns
    (w(x), log nu(x), log u(x)), each [B]; ``variables`` are the generator's, so the flow
    and the critic are left alone.

    Args:
        generator_terms: ``generator_terms()`` -> (w, log nu, log u), each [B].
        variables: the generator's trainable variables.
        optimizer: the generator's keras optimizer.
        lam: lambda, a float or float32 scalar tensor.
        form: 'likelihood' or 'entropy'.

    Returns:
        (L_G, logs), as ``generator_loss``.
    """
    with tf.GradientTape() as tape:
        loss, logs = generator_loss(*generator_terms(), lam, form)
    descend(optimizer, tape, loss, variables)
    return loss, logs
