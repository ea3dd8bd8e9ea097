"""docs/results/ugan.md: U-GAN against its baselines at equal CPU time, from ugan_quality.py,
ugan_mode_trajectory.py and `vagan train` runs."""
from benchmarks.pages import _page

QUALITY = "python -m benchmarks.ugan_quality"
NAMES = {"ugan": "U-GAN", "ugan_tempered": "U-GAN, tempered", "ugan_no_critic": "U-GAN, no critic",
         "maf_rkl": "MAF-RKL", "iaf_rkl": "IAF-RKL", "svgd": "SVGD (2,000 particles)"}
FLOOR = "exact samples (floor)"
WIDTH_128 = "--gin_param 'mlp_generator.width = 128'"
AT_08 = "--gin_param 'linear.decay_fraction = 0.8'"
USUAL_START = f"--gin_param 'mlp_generator.residual = False' {WIDTH_128} {AT_08}"


def method_name(record):
    name = NAMES.get(record["method"], record["method"])
    if record.get("flow_decay_steps") and record["method"] in ("maf_rkl", "iaf_rkl"):
        name += f", rate cosine-decayed over {record['flow_decay_steps']:,} steps"
    return name


def quality(name, flags):
    return f"{QUALITY} {flags} --threads 1 --out benchmarks/results/{name}"


def per_seed(values, digits):
    return " / ".join("—" if v is None else f"{v:.{digits}f}" for v in values)


def two_target_table(names):
    """One row per method of the banana and kidney files, one seed."""
    rows = []
    for record in _page.results(*names):
        lobe = record.get("mode_mass")
        rows.append([record["target"], method_name(record),
                     "—" if record["method"] == FLOOR else str(record["steps"]),
                     "—" if record["method"] == FLOOR else f"{record['seconds']:.0f}",
                     f"{record['energy_distance']:.4f}", f"{record['mmd2']:.5f}",
                     _page.number(lobe, 3)])
    return _page.table(["target", "method", "steps", "CPU s", "energy distance", "MMD²",
                        "right-lobe mass"], rows)


def mixture_table(runs, seeds=(0, 1, 2)):
    """One row per (file, method): energy distance (× the floor) and the smaller mode's mass
    per seed, the modes' fits (nats) where recorded. ``runs`` [(file, setting)]."""
    rows = []
    for name, setting in runs:
        records = _page.results(name)
        floors = {r.get("seed", 0): r["energy_distance"] for r in records if r["method"] == FLOOR}
        methods = {}
        for r in records:
            if r["method"] != FLOOR:
                methods.setdefault((r["target"], method_name(r)), {})[r.get("seed", 0)] = r
        for (target, method), by_seed in methods.items():
            runs_ = list(by_seed.values())
            distances = [None if s not in by_seed else
                         f"{by_seed[s]['energy_distance']:.4f} "
                         f"({by_seed[s]['energy_distance'] / floors[s]:.1f}×)" for s in seeds]
            fits = [" / ".join(f"{kl:.2f}" for kl in by_seed[s]["mode_fit_kl"])
                    if s in by_seed and "mode_fit_kl" in by_seed[s] else "—" for s in seeds]
            rows.append([target.removeprefix("mixture"), method, setting,
                         _page.spread([r["steps"] for r in runs_], 0),
                         _page.spread([r["seconds"] for r in runs_], 0),
                         " / ".join(d or "—" for d in distances),
                         per_seed([by_seed[s]["mode_mass"] if s in by_seed else None
                                   for s in seeds], 3),
                         " ; ".join(fits) if any(f != "—" for f in fits) else "—"])
    return _page.table(["d", "method", "setting", "steps", "CPU s",
                        "energy distance (× floor), seeds 0 / 1 / 2",
                        "smaller mode's mass, seeds 0 / 1 / 2",
                        "mode fit KL (nats), seeds 0 ; 1 ; 2"], rows)


def mixture_section(title, text, runs, after="", anchor=""):
    """``runs`` [(file, setting, the command's flags)]."""
    return _page.section(
        title, text, [quality(name, flags) for name, _, flags in runs],
        [mixture_table([(name, setting) for name, setting, _ in runs])],
        [name for name, _, _ in runs],
        anchor=anchor or MIXTURE_ANCHOR, after=after, level=3)


MIXTURE_ANCHOR = ("a second exact set (the floor: energy distance 0.0050 at d = 10, 0.0070 at "
                  "d = 30, 0.0091 at d = 60; smaller share 0.484); the aim asks tempered "
                  "U-GAN for ≤ 3× the floor and ±0.05 of each mode's mass at d ≥ 30.")


def trajectory_table(name):
    [run] = _page.results(name)
    rows = [[str(r["step"]), f"{r['lambda']:.2f}", " / ".join(f"{m:.3f}" for m in r["mode_masses"]),
             " / ".join(f"{kl:.2f}" for kl in r["mode_fit_kl"]),
             " / ".join(f"{m:.3f}" for m in r["mode_fit_masses"])]
            for r in run["records"] if r["step"] % 100 == 0 or r["step"] == 50]
    return (f"{', '.join(run['params'])}, energy distance at the end "
            f"{run['energy_distance']:.4f}:\n\n" +
            _page.table(["step", "λ", "masses", "mode fit KL (nats)",
                         "masses the fits call for"], rows))


def weighted_section():
    name = "vagan_train_mixture30_weights_0.7_0.3.json"
    records = _page.results(name)
    rows = [[str(r["seed"]), f"{r['energy_distance']:.4f}",
             " / ".join(f"{m:.4f}" for m in r["mode_masses"]), f"{r['mode_mass_error']:.3f}",
             " / ".join(f"{kl:.2f}" for kl in r["mode_fit_kl"]),
             " / ".join(f"{m:.3f}" for m in r["mode_fit_masses"]),
             f"{r['process_cpu_seconds']:.0f}"] for r in records]
    command = records[0]["command"].replace("= S'", "= $S'")
    return _page.section(
        "Unequal weights: 0.7 / 0.3 at d = 30",
        "Tempered U-GAN by `vagan train` for 1,000 steps, seeds 0–2; each record is the last "
        "evaluation in the run's `metrics.json` (the evaluator's 2,000 samples).",
        [f"for S in 0 1 2; do TF_NUM_INTRAOP_THREADS=1 {command} "
         "--model_dir runs/mixture30_weighted_$S; done"],
        [_page.table(["seed", "energy distance", "masses", "largest |mass − weight|",
                      "mode fit KL (nats)", "masses the fits call for", "process CPU s"],
                     rows)],
        [name], anchor="the weights 0.7 / 0.3 and the floor: 2,000 exact draws against the "
                       "evaluator's 2,000, energy distance 0.0085.",
        after="The heavier mode ends with more than its weight on every seed, by about what the "
              "fits call for: the lighter mode, about 30 % of each batch's draws, is fitted "
              "three times worse. Mass crossed to the heavier mode as λ fell; tempering does "
              "not hold the masses at the tempered target's (`docs/design.md` §4.7).",
        level=3)


def render():
    banana_kidney = [("ugan_quality_banana.json", "--targets banana --steps 400"),
                     ("ugan_quality_kidney.json", "--targets kidney --steps 400")]
    return _page.page(
        "ugan", "U-GAN against its baselines",
        """
`benchmarks/ugan_quality.py` runs U-GAN on `configs/ugan/<target>.gin` (the paper's flow: 8
MAF blocks with MADE [512, 512]; batch 256; the generator's rate cosine-decayed to 0; 3 flow
steps per generator step) for a number of generator steps; its process CPU time on one
thread is the budget of every other method: the same run without critic, the same flow
trained by reverse KL (MAF-RKL) or its IAF view (IAF-RKL), and SVGD with 2,000 particles
(which overshoots by up to one chunk of 100 steps). Each method then draws 2,000 samples,
scored against 2,000 exact samples by energy distance and Gaussian MMD² (median bandwidth of
the reference); the floor row scores a second exact set. Each seed seeds every method's
noise; the exact sets stay fixed. The speed of a step is on the [speed page](speed.md).""",
        _page.section(
            "The banana and the kidney",
            "400 generator steps, seed 0; tempering on the kidney (`ugan/kidney.gin`).",
            [quality(name, flags) for name, flags in banana_kidney],
            [two_target_table([name for name, _ in banana_kidney])],
            [name for name, _ in banana_kidney],
            anchor="the exact-sample floor rows; the kidney's exact right-lobe mass is 0.487.",
            after="""
* U-GAN is 8× the floor on the banana, where the flows trained by reverse KL and SVGD reach
  it in the same CPU time: in two dimensions sampling the MAF costs two passes, so pairing
  has nothing to save and U-GAN's three networks make each step the dearest.
* On the kidney tempering lets U-GAN cover both lobes (right-lobe mass 0.43 against 0.49);
  the critic-free ablation and MAF-RKL do better, the IAF by reverse KL worse, SVGD best.

The supplement's Fig. 1 for this setting: `vagan train --gin_file ugan/banana.gin --gin_param
"TOTAL_STEPS=400" --gin_param "GANExperiment.steps_per_epoch=200" --model_dir
runs/ugan_banana_400`, then `python examples/density_figure.py --target banana --run "U-GAN,
400 steps=runs/ugan_banana_400" --out docs/ugan_banana.png` (likewise `ugan/kidney.gin`):

![U-GAN samples on the banana](../ugan_banana.png)
![U-GAN samples on the kidney](../ugan_kidney.png)"""),
        """## Two modes in 10, 30 and 60 dimensions

`configs/ugan/mixture.gin`: two unit Gaussians 6 std apart in d dimensions
(`targets.separated_mixture`, exact samples), a latent of d dimensions, the generator starting
at the identity (`mlp_generator.residual`, so q starts as N(0, I); `docs/design.md` §4.6) and
512 wide; `U-GAN, tempered` adds `ugan/tempered.gin` (entropy form, λ from 4 to 0 at half the
run). The smaller mode's mass is the smaller share of samples nearest a mode (0.5 for exact
samples, 0 for a dropped mode); each mode's fit (`metrics.mode_fits`) is a lower bound on
KL(q_k ‖ p_k) with the fit's sampling bias removed. Reverse KL gives each of two disjoint
modes the mass its own fit earns, π_k ∝ e^{−KL_k} (`docs/design.md` §4.7). CPU s: process
time, one thread, two to eight jobs on the 2 cores.""",
        mixture_section(
            "Tempered U-GAN with the default generator",
            "The U-GAN rows time the baselines' budget; the IAF foils get the rate schedule a "
            "budget of known length allows (7,500 and 28,000 steps: about what they run in "
            "that time).",
            [("ugan_quality_mixture30_width512.json", "default",
              "--targets mixture30 --budget ugan_tempered --baselines --steps 1000 --seeds 0 1 2 "
              "--gin_param 'mlp_generator.width = 512'"),
             ("ugan_quality_mixture30_width512_iaf_decayed.json", "IAF foil",
              "--targets mixture30 --seeds 0 --budget ugan_tempered --baselines iaf_rkl "
              "--flow_decay_steps 7500 --steps 1000 --gin_param 'mlp_generator.width = 512'"),
             ("ugan_quality_mixture60_width512.json", "default",
              "--targets mixture60 --budget ugan_tempered --baselines --steps 1000 --seeds 0 1 2 "
              "--gin_param 'mlp_generator.width = 512'"),
             ("ugan_quality_mixture60_2000.json", "default",
              "--targets mixture60 --budget ugan_tempered --baselines --steps 2000 "
              "--seeds 0 1 2"),
             ("ugan_quality_mixture60_2000_iaf_decayed.json", "IAF foil at seed 0's 1,633 s",
              "--targets mixture60 --seeds 0 --budget ugan_tempered --budget_seconds 1633 "
              "--baselines iaf_rkl --flow_decay_steps 28000 --steps 2000")],
            after="""
* **The aim is met on every seed** at d = 30 with 1,000 steps and at d = 60 with 2,000, not
  with 1,000 at d = 60, where the masses froze before the fits evened out.
* **Its last clause fails against a fair foil**: IAF-RKL with its rate decayed over the run
  reaches the floor's neighbourhood in the same CPU time at d = 30 and d = 60.
* Check `mode_fit_kl`: the masses follow the modes' fits."""),
        mixture_section(
            "Variations at d = 60, 1,000 steps",
            "Keeping the valley open longer (λ at 0 from 0.7 T), a wider generator, a doubled "
            "rate.",
            [("ugan_quality_mixture60_width512_at_0.7.json", "λ → 0 at 0.7 T",
              "--targets mixture60 --budget ugan_tempered --baselines --steps 1000 --seeds 0 1 2 "
              "--gin_param 'linear.decay_fraction = 0.7'"),
             ("ugan_quality_mixture60_width1024.json", "width 1,024",
              "--targets mixture60 --budget ugan_tempered --baselines --steps 1000 --seeds 2 "
              "--gin_param 'mlp_generator.width = 1024'"),
             ("ugan_quality_mixture60_width512_rate_2e-3.json", "generator rate 2e-3",
              "--targets mixture60 --budget ugan_tempered --baselines --steps 1000 --seeds 2 "
              "--gin_param 'mlp_generator.width = 512' "
              "--gin_param 'generator/CosineDecay.initial_learning_rate = 2e-3'"),
             ("ugan_quality_mixture60_width128_rate_2e-3.json", "width 128, rate 2e-3",
              "--targets mixture60 --budget ugan_tempered --baselines --steps 1000 --seeds 1 2 "
              f"{WIDTH_128} --gin_param 'generator/CosineDecay.initial_learning_rate = 2e-3'")],
            after="A later end of tempering helped one seed of three and left less of the run to "
                  "fit the modes' width, so `tempered.gin` keeps 0.5 T; neither width 1,024 nor "
                  "a doubled rate helped. What helps is the longer run (above)."),
        mixture_section(
            "A 128-wide generator",
            "The generator at width 128 (`--gin_param 'mlp_generator.width = 128'`), from the "
            "identity; `ugan/tempered.gin` ends λ at 0.5 T unless the setting says 0.8 T.",
            [("ugan_quality_mixture30_tempered_1000.json", "width 128",
              "--targets mixture30 --budget ugan_tempered --baselines --steps 1000 --seeds 0 1 2 "
              f"{WIDTH_128}"),
             ("ugan_quality_mixture30_tempered_1000_flows.json", "width 128",
              "--targets mixture30 --budget ugan_tempered --baselines maf_rkl iaf_rkl "
              f"--steps 1000 --seeds 0 {WIDTH_128}"),
             ("ugan_quality_mixture30_tempered_1000_at_0.8.json", "width 128, λ → 0 at 0.8 T",
              "--targets mixture30 --budget ugan_tempered --baselines --steps 1000 --seeds 0 "
              f"{WIDTH_128} {AT_08}"),
             ("ugan_quality_mixture30_tempered_400.json", "width 128",
              "--targets mixture30 --budget ugan_tempered --baselines --steps 400 --seeds 0 1 2 "
              f"{WIDTH_128}"),
             ("ugan_quality_mixture30_identity_start.json", "width 128, λ → 0 at 0.8 T",
              "--targets mixture30 --baselines ugan_tempered --steps 400 --seeds 0 1 2 "
              f"{WIDTH_128} {AT_08}"),
             ("ugan_quality_mixture30_identity_start_no_critic.json", "width 128",
              f"--targets mixture30 --baselines ugan_no_critic --steps 400 --seeds 0 1 2 "
              f"{WIDTH_128}"),
             ("ugan_quality_mixture10_identity_start.json", "width 128, λ → 0 at 0.8 T",
              "--targets mixture10 --baselines ugan_tempered ugan_no_critic --steps 400 "
              f"--seeds 0 {WIDTH_128} {AT_08}"),
             ("ugan_quality_mixture60_tempered_1000.json", "width 128",
              "--targets mixture60 --budget ugan_tempered --baselines --steps 1000 --seeds 0 "
              f"{WIDTH_128}"),
             ("ugan_quality_mixture60_tempered_1000_seeds12.json", "width 128",
              "--targets mixture60 --budget ugan_tempered --baselines --steps 1000 --seeds 1 2 "
              f"{WIDTH_128}"),
             ("ugan_quality_mixture60_tempered_400.json", "width 128",
              "--targets mixture60 --budget ugan_tempered --baselines --steps 400 --seeds 0 "
              f"{WIDTH_128}"),
             ("ugan_quality_mixture60_identity_start.json", "width 128",
              f"--targets mixture60 --baselines ugan_no_critic --steps 400 --seeds 0 "
              f"{WIDTH_128}")],
            after="""
* With 128 units the modes' fits were uneven (seed 2 at d = 30: 1.2 and 1.4 nats as λ
  reached 0) and the masses followed them; at width 512 the fits stay even (the trajectories
  below), which is why `ugan/mixture.gin` makes the generator 512 wide.
* λ at 0 only from 0.8 T leaves the modes too wide (the samples nearest each mode 1.2 std
  wide after 1,000 steps, seed 0); at 400 steps, half the run at λ = 0 costs mass, so the
  half-way schedule wants the longer run.
* From the identity, untempered U-GAN already keeps part of the second mode on two seeds of
  three at d = 30."""),
        _page.section(
            "How the masses settle: seed 2 at d = 30, 1,000 steps",
            "Tempered U-GAN evaluated every 50 steps on 2,000 samples (every 100 shown): λ, the "
            "modes' masses, their fits and the masses the fits call for.",
            [f"python -m benchmarks.ugan_mode_trajectory --dim 30 --steps 1000 --seed 2 "
             f"--tempered --threads 1 --gin_param 'mlp_generator.width = {width}' "
             f"--out benchmarks/results/ugan_mode_trajectory_d30_seed2_width{width}.json"
             for width in (128, 512)],
            [trajectory_table(f"ugan_mode_trajectory_d30_seed2_width{width}.json")
             for width in (128, 512)],
            [f"ugan_mode_trajectory_d30_seed2_width{width}.json" for width in (128, 512)],
            anchor="π_k ∝ e^{−KL_k}: the masses the fits call for.",
            after="At width 128 the smaller mass fell once λ reached 0 with uneven fits and "
                  "stayed there while the fits improved; at 512 the fits were even when λ "
                  "reached 0 and the masses stayed near 1/2 throughout.", level=3),
        weighted_section(),
        mixture_section(
            "From the usual start",
            "The generator's usual initialisation (a cloud of std about 0.2 near the origin), "
            "128 wide, tempered with λ at 0 from 0.8 T; 400 steps. The flows and SVGD get the "
            "untempered U-GAN's time.",
            [("ugan_quality_mixture10.json", "usual start",
              f"--targets mixture10 --steps 400 --seeds 0 {USUAL_START}"),
             ("ugan_quality_mixture30.json", "usual start",
              f"--targets mixture30 --steps 400 --seeds 0 {USUAL_START}"),
             ("ugan_quality_mixture30_seeds12.json", "usual start",
              f"--targets mixture30 --steps 400 --seeds 1 2 {USUAL_START}"),
             ("ugan_quality_mixture60.json", "usual start",
              f"--targets mixture60 --steps 400 --seeds 0 {USUAL_START}"),
             ("ugan_quality_mixture30_generator_rate.json", "usual start, generator rate 3e-3",
              f"--targets mixture30 --baselines ugan_tempered --steps 400 --seeds 0 "
              f"{USUAL_START} --gin_param 'generator/CosineDecay.initial_learning_rate = 3e-3'")],
            after="""
* Without tempering U-GAN (with or without its critic) drops one mode in every run; tempering
  recovers it at d = 10 but not reliably beyond. Where the generator starts decides coverage
  more than tempering does.
* From d = 30 on MAF-RKL, which backpropagates through d sequential passes, gets only
  200–300 steps in U-GAN's budget and nearly drops a mode; the IAF, which samples in one
  pass, is within about 2× the floor on every seed and dimension; SVGD keeps both modes at
  a larger distance."""))
