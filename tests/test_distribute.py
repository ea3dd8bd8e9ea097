"""tf.distribute: replicas train like one device on the same global batch and seeds.

The distributed runs happen in fresh interpreters, ``python tests/test_distribute.py
ROLE OUT``: the CPU can be split into logical devices only before TensorFlow
initialises it, and a MultiWorkerMirroredStrategy needs one process per worker. One
fixture starts them all at once (they share the machine's cores) and waits, bounded:

* ``mirrored``: the CPU split into 2 devices; for an AnnealedGAN (W-GAN-GP, 2 critic
  steps, likelihood term with a batch-normalised denoiser, generator weight average)
  and a U-GAN, one epoch on one device and one under MirroredStrategy; the
  AnnealedGAN's two runs then continue for a second epoch, each under the other
  placement.
* ``worker``: two workers on localhost ports train the AnnealedGAN for one epoch under
  MultiWorkerMirroredStrategy.

Every run exports; the exports are sampled in one more interpreter, without vagan_tf.

The comparisons read the checkpoints: every variable of the models and optimizers.
SGD with momentum makes the updates linear in the gradients, so a gradient off by the
replica count (or noise drawn alike on every replica, or per-replica batch
statistics) shows in the weights; Adam would normalise much of it away.
"""
import json
import os
import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

STEPS = 3  # steps per epoch; each run trains one or two epochs
TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}
# a hung collective never returns: the runs get this long (they need about 2 CPU-minutes)
TIMEOUT_S = float(os.environ.get("VAGAN_DISTRIBUTED_TEST_TIMEOUT_S", 300))

SGD = [f"GANExperiment.{net}_optimizer = @{net}/SGD()" for net in ("generator", "critic")]
SGD += [f"{net}/SGD.{arg}" for net in ("generator", "critic", "denoiser", "flow")
        for arg in ("learning_rate = 0.05", "momentum = 0.5")]
RUN = [f"TOTAL_STEPS = {STEPS}", f"GANExperiment.steps_per_epoch = {STEPS}",
       "GANExperiment.batch_size = 8", "GANExperiment.eval_samples = 100",
       "GANExperiment.verbose = 0", "WIDTH = 8", "mlp_generator.depth = 1"]
CONFIGS = {  # small networks: tracing the step on every replica is most of the cost
    "annealed": (["toy/ring.gin", "toy/wgan_gp.gin", "toy/constant.gin"],
                 RUN + SGD + ["GANExperiment.denoiser_optimizer = @denoiser/SGD()",
                              "AnnealedGAN.n_critic = 2", "AnnealedGAN.generator_ema = 0.5",
                              "mlp_critic.depth = 1",
                              "mlp_denoiser.depth = 1", "mlp_denoiser.batch_norm = True"]),
    "ugan": (["ugan/banana.gin"],
             RUN + SGD + ["GANExperiment.flow_optimizer = @flow/SGD()", "maf.num_blocks = 1",
                          "maf.hidden_units = (8,)", "critic/mlp_critic.depth = 1",
                          "UnnormalizedGAN.flow_steps = 1"]),
}
SYNC_BN = ["distribute/sync_batch_norm.gin"]
ONE_DEVICE = SYNC_BN + [f"GANExperiment.steps_per_execution = {STEPS}"]
MIRRORED = SYNC_BN + ["distribute/mirrored.gin", "mirrored.devices = ['/cpu:0', '/cpu:1']"]
MULTI_WORKER = SYNC_BN + ["distribute/multi_worker.gin"]


# ---------------------------------------------------------------------------- the runs
def build_run(model_dir, config, placement):
    """``config``'s run in ``model_dir`` as `vagan train` builds it; ``placement``: gin files
    (``*.gin``) and bindings added after the config's own."""
    import gin

    from vagan_tf.run import assemble

    files, params = CONFIGS[config]
    gin.clear_config()
    assemble.parse_gin(files + [p for p in placement if p.endswith(".gin")],
                      params + [p for p in placement if not p.endswith(".gin")])
    return assemble.experiment(model_dir=str(model_dir))


def train(model_dir, config, placement, epochs=1):
    """Trains (or resumes) ``config`` in ``model_dir`` up to ``epochs`` epochs."""
    build_run(model_dir, config, placement + [f"TOTAL_STEPS = {epochs * STEPS}"]).train(
        extend=True, stretch_schedules=True)  # both placements stretch the same schedules


def check_replica_helpers(out):
    """Under 2 mirrored replicas: the replicas' rows of a draw of 2 x 2 rows, and gradients
    after ``agree_on_finiteness`` when only replica 1's overflowed; saved for the tests."""
    import keras
    import tensorflow as tf

    from vagan_tf.run import strategies
    from vagan_tf.training import distribute

    strategy = strategies.mirrored(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        seed = keras.random.SeedGenerator(7)

    def step():
        rows = distribute.replica_rows(lambda n: keras.random.normal((n, 3), seed=seed), 2)
        overflowed = tf.equal(distribute.replica_id(), 1)
        gradient = tf.where(overflowed, tf.constant([1.0, np.inf]), tf.constant([1.0, 2.0]))
        return rows, distribute.agree_on_finiteness([gradient])[0]

    rows, gradients = tf.function(lambda: strategy.run(step))()
    one_device = keras.random.normal((4, 3), seed=keras.random.SeedGenerator(7))
    np.savez(os.path.join(out, "replica_helpers.npz"), one_device_rows=one_device.numpy(),
             **{name: np.concatenate([t.numpy() for t in strategy.experimental_local_results(v)])
                for name, v in [("replica_rows", rows), ("gradients", gradients)]})


def mirrored_role(out):
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    check_replica_helpers(out)
    for config in CONFIGS:
        train(os.path.join(out, config, "one_device_first"), config, ONE_DEVICE)
        train(os.path.join(out, config, "mirrored_first"), config, MIRRORED)
    annealed = os.path.join(out, "annealed")
    train(os.path.join(annealed, "one_device_first"), "annealed", MIRRORED, epochs=2)
    train(os.path.join(annealed, "mirrored_first"), "annealed", ONE_DEVICE, epochs=2)


def worker_role(out):
    model_dir = os.path.join(out, "annealed", "multi_worker")
    train(model_dir, "annealed", MULTI_WORKER)


# ---------------------------------------------------------------------------- the fixture
def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def start(out, name, role, tf_config=None):
    """Starts ``python tests/test_distribute.py ROLE OUT`` logging to ``OUT/NAME.log``."""
    env = {key: value for key, value in os.environ.items() if key != "TF_CONFIG"}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    with open(os.path.join(out, f"{name}.log"), "w", encoding="utf-8") as log:
        return subprocess.Popen([sys.executable, os.path.abspath(__file__), role, out], env=env,
                                stdout=log, stderr=subprocess.STDOUT)


def wait_or_kill(processes, timeout_s):
    """Waits for every process until the deadline, then kills those still running."""
    deadline = time.monotonic() + timeout_s
    try:
        for process in processes.values():
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
    except subprocess.TimeoutExpired:
        pass
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Runs the mirrored and the two-worker scenarios side by side; returns their directory."""
    out = str(tmp_path_factory.mktemp("distribute"))
    cluster = {"worker": [f"localhost:{port}" for port in free_ports(2)]}
    processes = {"mirrored": start(out, "mirrored", "mirrored")}
    for index in range(2):
        processes[f"worker_{index}"] = start(
            out, f"worker_{index}", "worker", {"cluster": cluster,
                                               "task": {"type": "worker", "index": index}})
    wait_or_kill(processes, TIMEOUT_S)
    failed = {name: p.returncode for name, p in processes.items() if p.returncode != 0}
    if failed:
        tails = "\n".join(f"--- {name} (exit {code}):\n{read_tail(out, name)}"
                          for name, code in failed.items())
        pytest.fail(f"distributed runs failed or ran past {TIMEOUT_S} s:\n{tails}")
    return out


def read_tail(out, name, lines=40):
    with open(os.path.join(out, f"{name}.log"), encoding="utf-8", errors="replace") as f:
        return "".join(f.readlines()[-lines:])


# ---------------------------------------------------------------------------- comparisons
def checkpoint_state(model_dir, step):
    """Every saved variable of ``model_dir``'s checkpoint at ``step``, by checkpoint key."""
    import tensorflow as tf

    reader = tf.train.load_checkpoint(os.path.join(model_dir, "checkpoints", f"ckpt-{step}"))
    return {key: reader.get_tensor(key) for key in reader.get_variable_to_shape_map()
            if not key.startswith(("save_counter", "_CHECKPOINTABLE_OBJECT_GRAPH"))}


def assert_same_state(a, b):
    """Same variables; integers (steps, RNG states) equal, floats equal within TOLERANCE."""
    assert sorted(a) == sorted(b)
    for key in a:
        if np.issubdtype(a[key].dtype, np.floating):
            np.testing.assert_allclose(a[key], b[key], err_msg=key, **TOLERANCE)
        else:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.mark.slow
def test_replicas_draw_their_rows_of_one_draw_and_skip_an_overflow_together(runs):
    checks = np.load(os.path.join(runs, "replica_helpers.npz"))
    np.testing.assert_array_equal(checks["replica_rows"], checks["one_device_rows"])
    assert np.all(np.isnan(checks["gradients"]))  # replica 0's finite [1, 2] as well


def assert_every_optimizer_stepped(state, optimizers=3):
    """Each optimizer's momentum is nonzero: every network was updated, so equal weights mean
    equal updates and not weights left at their initial values."""
    largest = {}
    for key, value in state.items():
        owner = key.split("/")[0]
        if owner.endswith("_optimizer") and value.ndim > 0:
            largest[owner] = max(largest.get(owner, 0.0), float(np.max(np.abs(value))))
    assert len(largest) == optimizers and min(largest.values()) > 1e-4, largest


@pytest.mark.slow
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_an_epoch_on_two_mirrored_devices_equals_one_on_one_device(runs, config):
    one_device = checkpoint_state(os.path.join(runs, config, "one_device_first"), STEPS)
    mirrored = checkpoint_state(os.path.join(runs, config, "mirrored_first"), STEPS)
    assert_every_optimizer_stepped(one_device)
    assert_same_state(one_device, mirrored)


@pytest.mark.slow
def test_checkpoints_resume_across_one_device_and_mirrored(runs):
    one_device_then_mirrored = checkpoint_state(
        os.path.join(runs, "annealed", "one_device_first"), 2 * STEPS)
    mirrored_then_one_device = checkpoint_state(
        os.path.join(runs, "annealed", "mirrored_first"), 2 * STEPS)
    assert_same_state(one_device_then_mirrored, mirrored_then_one_device)


@pytest.mark.slow
def test_two_workers_train_like_one_device_and_each_keeps_a_run_directory(runs):
    one_device = checkpoint_state(os.path.join(runs, "annealed", "one_device_first"), STEPS)
    chief_dir = os.path.join(runs, "annealed", "multi_worker")
    chief = checkpoint_state(chief_dir, STEPS)
    assert_same_state(one_device, chief)
    other = checkpoint_state(os.path.join(chief_dir, "workers", "worker_1"), STEPS)
    assert_same_state(chief, other)
    assert not os.path.exists(os.path.join(chief_dir, "workers", "worker_0"))


@pytest.mark.slow
def test_exports_of_distributed_runs_sample_in_a_process_without_vagan_tf(runs, tmp_path):
    run_dirs = [("annealed", "one_device_first"), ("ugan", "mirrored_first"),
                ("annealed", "multi_worker"), ("annealed", "multi_worker", "workers", "worker_1")]
    script = textwrap.dedent("""
        import sys
        import numpy as np
        import tensorflow as tf
        for i, export_dir in enumerate(sys.argv[2:]):
            sampler = tf.saved_model.load(export_dir)  # it owns the variables sample() reads
            np.save(f"{sys.argv[1]}/{i}.npy", sampler.sample(64).numpy())
        assert "vagan_tf" not in sys.modules
    """)
    exports = [os.path.join(runs, *run_dir, "export") for run_dir in run_dirs]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH="")
    subprocess.run([sys.executable, "-c", script, str(tmp_path), *exports], check=True, env=env,
                   cwd=tmp_path, timeout=300)
    for i, run_dir in enumerate(run_dirs):
        samples = np.load(tmp_path / f"{i}.npy")
        assert samples.shape == (64, 2) and samples.dtype == np.float32, run_dir
        assert np.all(np.isfinite(samples)) and np.std(samples) > 0, run_dir


# ---------------------------------------------------------------------------- in this process
def fit_two_steps(run):
    """Two train steps of ``run``'s model on its own pipeline; returns the last logs."""
    dataset = run.dataset_fn(batch_size=run.model.examples_per_step(run.batch_size), start=0)
    history = run.model.fit(dataset, steps_per_epoch=2, epochs=1, verbose=0).history
    return {name: values[-1] for name, values in history.items()}


@pytest.mark.parametrize("policy", ["bfloat16", "float16"])
def test_mixed_precision_trains_16_bit_networks_on_float32_losses(tmp_path, policy):
    import keras
    import tensorflow as tf

    run = build_run(tmp_path, "annealed", ONE_DEVICE + [f"distribute/{policy}.gin"])
    assert keras.config.dtype_policy().name == "float32"  # set for the build only
    gan = run.model
    for network in (gan.generator, gan.discriminator, gan.denoiser):
        assert network.compute_dtype == policy
        assert all(v.dtype == "float32" for v in network.trainable_variables)
    scaled = isinstance(gan.critic_optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == (policy == "float16")
    real = tf.random.normal((8, 2))
    fake = gan.generator(tf.random.normal((8, gan.latent_dim)))
    logits = gan.discriminator(real)[0]
    assert fake.dtype == policy and logits.dtype == policy
    assert gan.objective.critic_loss(logits, logits).dtype == tf.float32
    assert gan.objective.penalty(gan._logits, real, fake, 0).dtype == tf.float32
    assert gan.sample(4).dtype == tf.float32  # what the evaluations and sample grids get
    before = [v.numpy() for v in gan.generator.trainable_variables]
    logs = fit_two_steps(run)
    assert all(np.isfinite(value) for value in logs.values())
    after = [v.numpy() for v in gan.generator.trainable_variables]
    assert any(not np.allclose(a, b) for a, b in zip(before, after))


@pytest.mark.slow
def test_a_u_gan_in_bfloat16_keeps_its_flow_in_float32(tmp_path):
    import tensorflow as tf

    run = build_run(tmp_path, "ugan", ONE_DEVICE + ["distribute/bfloat16.gin"])
    gan = run.model
    assert gan.generator.compute_dtype == "bfloat16" and gan.flow.compute_dtype == "float32"
    assert gan.flow.log_prob(tf.zeros((3, 2), tf.bfloat16)).dtype == tf.float32
    logs = fit_two_steps(run)
    assert all(np.isfinite(value) for value in logs.values())


def test_several_steps_per_call_under_a_strategy_are_refused_by_name(tmp_path):
    placement = ["distribute/mirrored.gin", "mirrored.devices = ['/cpu:0']",
                 "GANExperiment.steps_per_execution = 5"]
    with pytest.raises(ValueError, match="steps_per_execution must be 1.*keras#19246"):
        build_run(tmp_path, "annealed", placement)


if __name__ == "__main__":
    {"mirrored": mirrored_role, "worker": worker_role}[sys.argv[1]](sys.argv[2])
