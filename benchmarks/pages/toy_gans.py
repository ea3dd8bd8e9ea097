"""docs/results/toy_gans.md: the ring and the 25-grid, from toy_quality.py and entropy_lag.py."""
from benchmarks.pages import _page

TOY = "python -m benchmarks.toy_quality"
FLOOR = "toy_floor.json"


def toy_table(*names):
    """toy_quality.py's table of these files with the exact-sample floor rows."""
    return _page.script("toy_quality").table(_page.results(FLOOR, *names))


def toy_section(title, text, runs, after="", anchor=""):
    """A section of toy_quality runs: ``runs`` [(file, its command's flags)]."""
    names = [name for name, _ in runs]
    regenerate = [f"{TOY} --floor --data ring grid --threads 1 --out benchmarks/results/{FLOOR}",
                  *(f"{TOY} {flags} --threads 1 --out benchmarks/results/{name}"
                    for name, flags in runs),
                  f"{TOY} --table " + " ".join(f"benchmarks/results/{n}" for n in [FLOOR, *names])]
    return _page.section(title, text, regenerate, [toy_table(*names)], [FLOOR, *names],
                         anchor=anchor, after=after, level=3)


FIVE_SEEDS = "--seeds 0 1 2 3 4 --steps 10000"
RING_FLOOR = ("the exact-sample floor row: 8/8 modes, 98.9 % high quality, reverse KL 0.001; "
              "PacGAN2 on its ring: 7.9 ± 0.1 modes, 95.6 ± 2.0 %, reverse KL 0.07 ± 0.03 "
              "(the published numbers below)")


def ring_sections():
    five = toy_section(
        "Five seeds on the ring: annealing, a packed critic, a decaying rate",
        "Each annealed row is paired seed by seed with its plain counterpart in the second "
        "table.",
        [("toy_sweep_ring.json", f"--data ring --objectives jsd rkl --schedules none constant "
                                 f"linear sinusoidal linear+entropy {FIVE_SEEDS}"),
         ("toy_ring_packing.json", f"--data ring --objectives jsd rkl --schedules none+packing "
                                   f"linear+packing {FIVE_SEEDS}"),
         ("toy_ring_wgan_gp_lr_decay.json", f"--data ring --objectives wgan_gp --schedules "
                                            f"none+lr_decay linear+lr_decay {FIVE_SEEDS}"),
         ("toy_ring_constant_packing_lr_decay.json", f"--data ring --objectives rkl --schedules "
                                                     f"constant+packing+lr_decay {FIVE_SEEDS}"),
         ("toy_ring_wgan_gp_packing_lr_decay.json", f"--data ring --objectives wgan_gp "
                                                    f"--schedules none+packing+lr_decay "
                                                    f"{FIVE_SEEDS}")],
        anchor=RING_FLOOR,
        after="""
* Plain JSD and RKL drop ring modes on three seeds of five, and likelihood annealing (on the
  critic's features: constant = DFM, linear to 0 at 0.8 T, sinusoidal with 5 cycles) does not
  bring them back: seed by seed it covers more modes on 0–2 seeds of five and fewer on 1–4.
* Entropy annealing as configured (data space, σ = 0.5) collapses both objectives at high
  sample quality: the denoiser of q lags behind q (the entropy section below).
* A packed critic (PacGAN's m = 2, `toy/packing.gin`) holds all 8 modes in each of the last
  three evaluations on every seed, annealed or not; W-GAN-GP (γ = 0.1) with the generator's
  rate decayed to 0 (`toy/lr_decay.gin`) too, at 3.5–5× the CPU time. With either, linear
  annealing changes nothing measurable.
* At batch 512 high quality stalls at 92–96 %, short of the exact samples' 98.9 %.""")
    batch = toy_section(
        "High quality on the ring: the batch, not the packing degree, the rate or the average",
        "RKL, linear annealing, a packed critic, seeds 0–4; each row changes one thing.",
        [("toy_ring_packing.json", f"--data ring --objectives jsd rkl --schedules none+packing "
                                   f"linear+packing {FIVE_SEEDS}"),
         ("toy_ring_packing4.json", "--data ring --objectives rkl --schedules linear+packing "
                                    f"{FIVE_SEEDS} --variant 'packing 4' "
                                    "--gin_param 'mlp_critic.packing = 4'"),
         ("toy_ring_linear_packing_lr_decay.json", "--data ring --objectives rkl --schedules "
                                                   f"linear+packing+lr_decay {FIVE_SEEDS}"),
         ("toy_ring_batch1024.json", "--data ring --objectives rkl --schedules linear+packing "
                                     f"{FIVE_SEEDS} --variant 'batch 1024' "
                                     "--gin_param 'GANExperiment.batch_size = 1024'"),
         ("toy_ring_batch2048.json", "--data ring --objectives rkl --schedules linear+packing "
                                     f"{FIVE_SEEDS} --variant 'batch 2048' "
                                     "--gin_param 'GANExperiment.batch_size = 2048'"),
         ("toy_ring_batch2048_none.json", "--data ring --objectives rkl --schedules none+packing "
                                          f"{FIVE_SEEDS} --variant 'batch 2048' "
                                          "--gin_param 'GANExperiment.batch_size = 2048'"),
         ("toy_ring_ema9995.json", "--data ring --objectives rkl --schedules linear+packing "
                                   f"{FIVE_SEEDS} --variant 'EMA 0.9995' "
                                   "--gin_param 'AnnealedGAN.generator_ema = 0.9995'")],
        anchor=RING_FLOOR,
        after="""
* A batch of 2,048 keeps ≥ 95 % high quality in each of the last three evaluations on every
  seed with 8/8 modes: the critic sees four times as many of the few points between the
  modes, and the generator's steps are less noisy. A step costs about 4× one at 512.
* Packing 4 rows, decaying the generator's rate or averaging its weights over ~2,000 steps
  (decay 0.9995, which destroys the samples) do not.
* **The main job** (`vagan train --gin_file toy/ring.gin --gin_file toy/rkl.gin --gin_file
  toy/linear.gin --gin_file toy/packing.gin --gin_file toy/large_batch.gin`) is the
  "linear+packing, batch 2048" row; the plain packed run at 2,048 holds the modes as well,
  so on this benchmark the packed critic and the batch do the work.""")
    longer = toy_section(
        "Twice the steps at batch 512",
        "RKL, linear annealing, packed, the rate decayed, 20,000 steps evaluated every 2,000 "
        "(last three: 16,000, 18,000, 20,000). The records were rebuilt from the runs' "
        "`metrics.json`, without their times.",
        [("toy_ring_rkl_linear_packing_lr_decay_20k.json",
          "--data ring --objectives rkl --schedules linear+packing+lr_decay --seeds 0 1 2 3 4 "
          "--steps 20000 --variant 20k")],
        anchor=RING_FLOOR,
        after="Length does not lift high quality at batch 512; the batch does (above).")
    return [five, batch, longer]


def entropy_lag_table():
    rows = [[f"{r['lam']:g}", str(r["steps"]), f"{r['denoiser_rate']:g}",
             f"{r['mean_residual_norm']:.3f}", f"{r['residual_norm']:.3f}",
             f"{r['shrink']:.2f} ({r['exact_shrink']:.2f})", f"{r['cloud_std']:.2f}",
             str(r["modes_covered"]), f"{100 * r['high_quality']:.1f} %"]
            for r in _page.results("entropy_lag.json")]
    return _page.table(["λ", "steps", "denoiser rate", "‖mean e‖", "mean ‖e‖",
                        "shrinkage (exact)", "cloud std", "modes", "high quality"], rows)


def entropy_sections():
    lag = _page.section(
        "Why entropy annealing collapses the ring",
        "RKL on the ring with a constant entropy term (`toy/constant.gin` + `toy/entropy.gin`), "
        "seed 0. e = r_q(h) − h is the denoiser's residual at 2,500 generated points and "
        "‖mean e‖ the norm of its batch mean, 0 for an up-to-date denoiser (E_q ∇ log q = 0); "
        "the shrinkage −mean (h − h̄)·e / mean ‖h − h̄‖² is compared with the exact denoiser's "
        "σ²/(c² + σ²) for a Gaussian cloud of the same width c.",
        ["python -m benchmarks.entropy_lag --threads 1 --out benchmarks/results/entropy_lag.json"],
        [entropy_lag_table()], ["entropy_lag.json"],
        anchor="an up-to-date denoiser: ‖mean e‖ = 0 and the exact shrinkage in brackets.",
        after="Without the term the denoiser keeps up (its residual has almost no common part). "
              "With it (λ = 1) the residual at step 500 is its common part and the cloud is "
              "five times narrower: the denoiser describes where q was, and the term moves the "
              "batch as a whole instead of spreading it. A faster denoiser learns the cloud's "
              "width and still lags.", level=3)
    remedies = toy_section(
        "Three remedies for the lag",
        "Linear from λ₀ = 1 unless the row says otherwise; the rows without remedy are "
        "`linear+entropy` in the five-seed table.",
        [("toy_ring_entropy_lambda0.1.json", "--data ring --objectives rkl --schedules "
                                             f"linear+entropy {FIVE_SEEDS} --variant 'lambda0 0.1' "
                                             "--gin_param 'linear.initial = 0.1'"),
         ("toy_ring_entropy_denoiser_rate.json",
          f"--data ring --objectives rkl --schedules linear+entropy {FIVE_SEEDS} "
          "--variant 'denoiser rate 1e-2' --gin_param 'denoiser/Adam.learning_rate = 1e-2'"),
         ("toy_ring_entropy_denoiser_rate_jsd.json",
          f"--data ring --objectives jsd --schedules linear+entropy {FIVE_SEEDS} "
          "--variant 'denoiser rate 1e-2' --gin_param 'denoiser/Adam.learning_rate = 1e-2'"),
         ("toy_ring_entropy_centred.json",
          f"--data ring --objectives rkl jsd --schedules linear+entropy {FIVE_SEEDS} "
          "--variant centred --gin_param 'entropy.center = True'"),
         ("toy_ring_entropy_centred_denoiser_rate.json",
          f"--data ring --objectives rkl --schedules linear+entropy {FIVE_SEEDS} "
          "--variant 'centred, denoiser rate 1e-2' --gin_param 'entropy.center = True' "
          "--gin_param 'denoiser/Adam.learning_rate = 1e-2'")],
        anchor="the plain RKL run of the five-seed table, seed by seed (5/8/6/6/8 modes).",
        after="Every remedy (a tenth of the weight, a faster denoiser, centring the residual "
              "with `entropy.center = True`, both) takes back about half of the collapse; none "
              "holds every mode on every seed or beats the plain run seed by seed. `center` "
              "stays off by default and entropy annealing is not recommended for the toys.")
    return [lag, remedies]


def grid_section():
    return toy_section(
        "The 25-grid",
        "The 20k rows are evaluated every 2,000 steps (last three: 16,000, 18,000, 20,000).",
        [("toy_grid_wgan_gp_lr_decay.json", "--data grid --objectives wgan_gp --schedules "
                                            f"none+lr_decay {FIVE_SEEDS}"),
         ("toy_grid_wgan_gp_none_lr_decay_20k.json", "--data grid --objectives wgan_gp "
                                                     "--schedules none+lr_decay --seeds 0 1 2 3 4 "
                                                     "--steps 20000 --variant 20k"),
         ("toy_grid_wgan_gp_linear_lr_decay_20k.json", "--data grid --objectives wgan_gp "
                                                       "--schedules linear+lr_decay --seeds 0 1 "
                                                       "2 3 4 --steps 20000 --variant 20k"),
         ("toy_grid_packing.json", "--data grid --objectives rkl jsd --schedules none+packing "
                                   f"linear+packing {FIVE_SEEDS}")],
        anchor="the exact-sample floor row (25 modes, 98.9 %); PacGAN4 on its grid: 24.8 ± 0.2 "
               "modes, 93.6 ± 0.6 %, reverse KL 0.04 ± 0.01.",
        after="""
* W-GAN-GP (γ = 0.1) with the decaying rate covers 25/25 modes on every seed; at 20,000 steps
  it reaches 90–93 % high quality at worst with or without linear annealing, which matches
  its plain counterpart seed by seed.
* A packed critic does not rescue JSD or RKL on the grid (6–16 of 25 modes); there linear
  annealing covers more modes on most seeds at a lower high-quality share.""")


PUBLISHED = [
    ["VEEGAN, Table 1 (mean of 5 runs)", "ring, 8 modes", "GAN", "1", "99.3", "—",
     "G 2 × 128 ReLU, z ∈ R²⁵⁴, Adam(1e-3, 0.5), batch 500, 100k steps (the authors' "
     "notebook)"],
    ["", "", "ALI", "2.8", "0.13", "—", ""],
    ["", "", "Unrolled GAN (5 unrolling steps)", "7.6", "35.6", "—", ""],
    ["", "", "VEEGAN", "8", "52.9", "—", ""],
    ["", "grid, 25 modes, std 0.05", "GAN", "3.3", "0.5", "—", ""],
    ["", "", "ALI", "15.8", "1.6", "—", ""],
    ["", "", "Unrolled GAN", "23.6", "16", "—", ""],
    ["", "", "VEEGAN", "24.6", "40", "—", ""],
    ["PacGAN, Table 1 (10 trials, ± standard error)", "ring, 8 modes, radius 1, std 0.01 "
     "(ours scaled by 2)", "GAN", "6.3 ± 0.5", "98.2 ± 0.2", "0.45 ± 0.09",
     "G 4 × 400 ReLU + BN, z ∈ R², D 3 × 200 maxout (5 pieces), Adam(1e-4, 0.8), batch 100, "
     "400 epochs × 1,000 batches"],
    ["", "", "ALI", "6.6 ± 0.3", "97.6 ± 0.4", "0.36 ± 0.04", ""],
    ["", "", "PacGAN2 / 3 / 4", "7.9 ± 0.1 / 7.8 ± 0.1 / 7.8 ± 0.1",
     "95.6 ± 2.0 / 97.7 ± 0.3 / 95.9 ± 1.4", "0.07 ± 0.03 / 0.10 ± 0.02 / 0.07 ± 0.02", ""],
    ["", "grid, 25 modes, std 0.05", "GAN", "17.3 ± 0.8", "94.8 ± 0.7", "0.70 ± 0.07", ""],
    ["", "", "ALI", "24.1 ± 0.4", "95.7 ± 0.6", "0.14 ± 0.03", ""],
    ["", "", "PacGAN2 / 3 / 4", "23.8 ± 0.7 / 24.6 ± 0.4 / 24.8 ± 0.2",
     "91.3 ± 0.8 / 94.2 ± 0.4 / 93.6 ± 0.6", "0.13 ± 0.04 / 0.06 ± 0.02 / 0.04 ± 0.01", ""],
]


def published_section():
    return _page.section(
        "Published numbers",
        "For orientation: each paper trains longer with other networks, scores one snapshot at "
        "the end and counts modes more leniently (VEEGAN: a mode is captured when it is the "
        "nearest centre of at least one high-quality sample; here it must hold ≥ 10 % of its "
        "fair share in each of the last three evaluations).",
        tables=[_page.table(["source", "data (their setting)", "method", "modes",
                             "high quality %", "reverse KL", "networks, budget"], PUBLISHED)],
        after="Sources: VEEGAN's Table 1 as published with the authors' code "
              "(github.com/akashgit/VEEGAN, `tab.png`; 2,500 samples, high quality within 3 "
              "std); PacGAN's Table 1 and configuration files in github.com/fjxmlzn/PacGAN "
              "(`synthetic_data_experiments/`). The Unrolled GAN rows are VEEGAN's rerun. "
              "Against them the main job covers all eight ring modes in each of its last three "
              "evaluations on every seed, with a lower reverse KL than PacGAN2 and a "
              "high-quality share in their range.", level=3)


def wgan_gp_section():
    no_ema = "--gin_param 'AnnealedGAN.generator_ema = None'"
    ema = "--variant 'EMA 0.999' --gin_param 'AnnealedGAN.generator_ema = 0.999'"
    return toy_section(
        "W-GAN-GP's penalty and the generator's weight average (seeds 0–2)",
        "Every EMA row is the same three runs as the row without it (the average draws no noise "
        "and feeds nothing back), evaluated through the averaged generator. The \"20k\" rows "
        "are seed 0 alone at 20,000 steps, evaluated every 2,000.",
        [("toy_wgan_gp.json", f"--data ring grid --objectives wgan_gp --schedules none "
                              f"--steps 10000 {no_ema}"),
         ("toy_wgan_gp_gamma10.json", "--data grid --objectives wgan_gp --schedules none "
                                      "--steps 10000 --variant 'gamma 10' "
                                      f"--gin_param 'wgan_gp.gp_weight = 10.0' {no_ema}"),
         ("toy_wgan_gp_ema.json", f"--data ring grid --objectives wgan_gp --schedules none "
                                  f"--steps 10000 {ema}"),
         ("toy_wgan_gp_ema_20k.json", "--data grid --objectives wgan_gp --schedules none linear "
                                      "--seeds 0 --steps 20000 --variant 'EMA 0.999, 20k' "
                                      "--gin_param 'AnnealedGAN.generator_ema = 0.999'"),
         ("toy_wgan_gp_linear.json", f"--data grid --objectives wgan_gp --schedules linear "
                                     f"--steps 10000 {no_ema}"),
         ("toy_wgan_gp_linear_ema.json", f"--data grid --objectives wgan_gp --schedules linear "
                                         f"--steps 10000 {ema}"),
         ("toy_rkl_linear.json", f"--data ring --objectives rkl --schedules linear --steps 10000 "
                                 f"{no_ema}"),
         ("toy_rkl_linear_ema.json", f"--data ring --objectives rkl --schedules linear "
                                     f"--steps 10000 {ema}")],
        anchor="the floor rows; Gulrajani et al.'s toy code (`gan_toy.py`) uses γ = 0.1 with "
               "five critic steps.",
        after="""
* **The penalty weight decides the grid.** At the paper's image weight γ = 10 the toy critic
  stays one cone around the grid's centre and the generator a blob (0, 1 and 24 modes on
  seeds 0–2); `toy/wgan_gp.gin` uses γ = 0.1, as `gan_toy.py` does (`tests/test_wgan_toy.py`:
  at γ = 0.1 most modes become local maxima of a critic trained alone, at γ = 10 few).
* **Weight averaging makes W-GAN-GP's samples sharp**: through the average (decay 0.999)
  W-GAN-GP holds 8/8 ring and 25/25 grid modes on every seed, with reverse KL 5–10× lower. The
  raw generator jitters between evaluations; the average removes the jitter, not the modes a
  generator has dropped while training (the RKL rows). `toy/base.gin` turns it on.
* Without a packed critic, linear annealing on RKL does not keep the ring's modes.""")


def render():
    return _page.page(
        "toy_gans", "Toy GANs: the ring and the 25-grid",
        """
The mode-collapse benchmarks of VEEGAN, PacGAN and Unrolled GAN, read over the end of each
run rather than at one snapshot. Every run is evaluated every 1,000 steps on 2,500 generated
samples (`GANExperiment.eval_samples`) and scored by its **last three evaluations** (steps
8,000, 9,000 and 10,000 of a 10,000-step run): their worst and their mean. A mode is covered
when it holds ≥ 10 % of its fair share of high-quality samples; high quality means within
3 std of the nearest centre (98.9 % for exact samples); reverse KL is KL(p̂ ‖ uniform) of the
high-quality samples' mode histogram (`metrics.mode_histogram_reverse_kl`); energy distance
is to 2,500 exact samples. The floor rows score three sets of 2,500 exact samples alike.

A row is `configs/toy/<data>.gin + <objective>.gin + <schedule files>` (a schedule
`linear+packing` is `toy/linear.gin` then `toy/packing.gin`) at batch 512, Adam(1e-3, 0.5,
0.9), MLPs 3 × 128, z ~ N(0, I₁₆), the generator's weight average evaluated. Runs of the same
seed in two rows share their seed, so annealed rows are compared with their plain
counterparts seed by seed. s / run is wall time on one thread beside other jobs on a 2-core
machine.""",
        "## The ring, 8 modes", *ring_sections(), *entropy_sections(),
        "## The 25-grid", grid_section(), "## Anchors and ablations", published_section(),
        wgan_gp_section())
