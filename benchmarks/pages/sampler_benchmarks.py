"""docs/results/sampler_benchmarks.md: samplers on GMM-40, Many-Well-32, Funnel-10 and Sonar BLR
at equal CPU time, with log Z, ESS and the per-target scores, from sampler_benchmarks.py."""
import math

from benchmarks.pages import _page

SCRIPT = "python -m benchmarks.sampler_benchmarks"
SHORT = "sampler_benchmarks_20s.json"  # every method, 20 CPU s
SHORT_COMMAND = f"--seconds 20 --seeds 0 1 2 --threads 1 --out benchmarks/results/{SHORT}"
LEARNED = ("ugan", "maf_rkl", "iaf_rkl")
PROTOCOL_SECONDS = 300
# the learned methods at PROTOCOL_SECONDS, two processes side by side: {targets: file}
PROTOCOL = {("gmm40", "many_well"): "sampler_benchmarks_300s_gmm40_many_well.json",
            ("funnel", "sonar_dds"): "sampler_benchmarks_300s_funnel_sonar.json"}
PROTOCOL_COMMANDS = [f"--targets {' '.join(targets)} --methods {' '.join(LEARNED)} "
                     f"--seconds {PROTOCOL_SECONDS} --seeds 0 1 2 --threads 1 "
                     f"--out benchmarks/results/{name}" for targets, name in PROTOCOL.items()]
REFERENCE = "sampler_benchmarks_sonar_reference.json"
REFERENCE_COMMAND = f"--reference --seeds 0 1 2 --threads 1 --out benchmarks/results/{REFERENCE}"
TARGETS = {"gmm40": "GMM-40", "many_well": "Many-Well-32", "funnel": "Funnel-10",
           "sonar_dds": "Sonar BLR (DDS form)"}
METHODS = {"exact": "exact samples (floor)", "ugan_flow": "U-GAN, paired flow ν",
           "ugan_generator": "U-GAN, generator q (estimated density)", "maf_rkl": "MAF-RKL",
           "iaf_rkl": "IAF-RKL", "ais": "AIS", "nuts": "NUTS", "svgd": "SVGD"}
PUBLISHED_SONAR = [
    ("DDS, 512 steps", -108.92, 0.25), ("SMC, 512 steps", -108.81, 0.49),
    ("PIS, 64 steps", -108.92, 0.22), ("PIS, 512 steps", -110.28, 0.54)]


def records(*names):
    """The records of benchmarks/results/<name>... (noted as cited)."""
    return _page.results(*names)


def table(header, rows):
    """A markdown table; a "|" inside a cell (|log Ẑ − log Z|) is escaped."""
    def line(cells):
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(header), "|" + "---|" * len(header)] + [line(row) for row in rows])


def fmt(value, digits):
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.{digits}f}"


def per_seed(rows, key, digits, seeds):
    values = [rows[s].get(key) if s in rows else None for s in seeds]
    return " / ".join(fmt(v, digits) for v in values)


def reference_log_z():
    """(mean, std over seeds, per-seed records) of the long AIS runs on Sonar."""
    runs = [r for r in records(REFERENCE) if r["method"] == "ais_reference"]
    values = [r["log_z_hat"] for r in runs]
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / max(len(values) - 1, 1))
    return mean, std, runs


def grouped(*names):
    """{target: {method: {seed: record}}} of the results files ``names``, with Sonar's log Z
    error against the reference."""
    reference, _, _ = reference_log_z()
    groups = {}
    for r in records(*names):
        r = dict(r)
        if r["target"] == "sonar_dds" and r.get("log_z_hat") is not None:
            r["log_z_error"] = abs(r["log_z_hat"] - reference)
        groups.setdefault(r["target"], {}).setdefault(r["method"], {})[r["seed"]] = r
    return groups


def protocol():
    """grouped() of the learned methods' PROTOCOL_SECONDS runs."""
    return grouped(*PROTOCOL.values())


def seeds_of(groups):
    return sorted({s for methods in groups.values() for rows in methods.values() for s in rows})


TARGET_COLUMNS = {
    "gmm40": [("modes held (of 40)", "modes_held", 0), ("KL(h ‖ uniform)", "mode_histogram_kl", 3)],
    "many_well": [("max |deep-well mass − 0.8443|", "deep_well_max_error", 3)],
    "funnel": [("std(x₀) (3)", "x0_std", 2)],
    "sonar_dds": []}


def target_table(target, runs, seeds):
    """One row per (budget, method): ``runs`` is [(budget label, {method: {seed: record}})]."""
    header = ["method", "budget (CPU s)", "steps", "CPU s (probe)", "log Ẑ", "|log Ẑ − log Z|",
              "ESS / n", "energy distance"] + [name for name, _, _ in TARGET_COLUMNS[target]]
    rows = []
    for budget, methods in runs:
        for method in METHODS:
            if method not in methods:
                continue
            by_seed = methods[method]
            cpu = " / ".join(f"{by_seed[s]['seconds']:.0f} ({by_seed[s]['probe_seconds']:.0f})"
                             if s in by_seed else "—" for s in seeds)
            row = [METHODS[method], "—" if method == "exact" else budget,
                   " / ".join(str(by_seed[s]["steps"]) if s in by_seed else "—" for s in seeds),
                   "—" if method == "exact" else cpu,
                   per_seed(by_seed, "log_z_hat", 2, seeds),
                   per_seed(by_seed, "log_z_error", 3, seeds),
                   per_seed(by_seed, "ess_fraction", 3, seeds),
                   per_seed(by_seed, "energy_distance", 4, seeds)]
            row += [per_seed(by_seed, key, digits, seeds)
                    for _, key, digits in TARGET_COLUMNS[target]]
            rows.append(row)
    return table(header, rows)


def seed_values(groups, target, method, key, seeds):
    rows = groups.get(target, {}).get(method, {})
    return [rows[s].get(key) if s in rows else None for s in seeds]


def all_seeds(values, test):
    return all(v is not None and test(v) for v in values)


def joined(values, digits):
    return " / ".join(fmt(v, digits) for v in values)


def ugan_ahead(groups, target, seeds):
    """Whether U-GAN's flow has a smaller |log Z_hat - log Z| than MAF-RKL and IAF-RKL on every seed."""
    ugan = seed_values(groups, target, "ugan_flow", "log_z_error", seeds)
    rivals = [seed_values(groups, target, m, "log_z_error", seeds) for m in ("maf_rkl", "iaf_rkl")]
    return all(u is not None and all(r[i] is not None and u < r[i] for r in rivals)
               for i, u in enumerate(ugan))


def aims(groups, seeds):
    """The aims: (aim, U-GAN's numbers per seed, met on every seed?) as a table."""
    def values(target, method, key):
        return seed_values(groups, target, method, key, seeds)

    out = []
    for method in ("ugan_flow", "ugan_generator"):
        held, kl = values("gmm40", method, "modes_held"), values("gmm40", method, "mode_histogram_kl")
        out.append((f"GMM-40, {METHODS[method]}: 40/40 modes, KL(h ‖ uniform) ≤ 0.05",
                    f"{joined(held, 0)} modes; KL {joined(kl, 3)}",
                    all_seeds(held, lambda v: v == 40) and all_seeds(kl, lambda v: v <= 0.05)))
    error = values("gmm40", "ugan_flow", "log_z_error")
    out.append(("GMM-40, U-GAN's flow: |log Ẑ| ≤ 0.05", joined(error, 3),
                all_seeds(error, lambda v: v <= 0.05)))
    for method in ("ugan_flow", "ugan_generator"):
        error, mass = values("many_well", method, "log_z_error"), values("many_well", method,
                                                                          "deep_well_max_error")
        out.append((f"Many-Well, {METHODS[method]}: |log Ẑ − 164.6957| ≤ 0.1, every pair's "
                    "deep-well mass within 0.02", f"{joined(error, 3)}; mass error {joined(mass, 3)}",
                    all_seeds(error, lambda v: v <= 0.1) and all_seeds(mass, lambda v: v <= 0.02)))
    for method in ("ugan_flow", "ugan_generator"):
        floor, distance = values("funnel", "exact", "energy_distance"), values("funnel", method,
                                                                               "energy_distance")
        std = values("funnel", method, "x0_std")
        ratio = [None if d is None or f is None else d / f for d, f in zip(distance, floor)]
        out.append((f"Funnel, {METHODS[method]}: energy distance ≤ 3× floor, std(x₀) within "
                    "10 % of 3", f"{joined(ratio, 1)}× floor; std {joined(std, 2)}",
                    all_seeds(ratio, lambda v: v <= 3) and all_seeds(std, lambda v: abs(v - 3) <= 0.3)))
    for method in ("ugan_flow", "ugan_generator"):
        error, ess = values("sonar_dds", method, "log_z_error"), values("sonar_dds", method,
                                                                        "ess_fraction")
        out.append((f"Sonar, {METHODS[method]}: |log Ẑ − reference| ≤ 0.3, ESS / n ≥ 0.1",
                    f"{joined(error, 2)}; ESS / n {joined(ess, 3)}",
                    all_seeds(error, lambda v: v <= 0.3) and all_seeds(ess, lambda v: v >= 0.1)))
    ahead = [TARGETS[t] for t in TARGETS if ugan_ahead(groups, t, seeds)]
    out.append(("U-GAN's flow ahead of MAF-RKL and IAF-RKL (smaller log Z error, every seed) on "
                "at least two of the four targets", ", ".join(ahead) or "none", len(ahead) >= 2))
    return table(["aim (every seed)", "U-GAN (seeds " + " / ".join(map(str, seeds)) + ")",
                  "met"], [[a, b, "yes" if ok else "no"] for a, b, ok in out])


def head_to_head(groups, short, seeds):
    """Per target, |log Z_hat - log Z| of U-GAN's flow and generator and the RKL flows at the
    protocol's budget (``groups``), with AIS's at 20 CPU s (``short``), seed by seed."""
    rows = []
    for target, name in TARGETS.items():
        methods = groups.get(target, {})
        cells = [per_seed(methods.get(m, {}), "log_z_error", 3, seeds)
                 for m in ("ugan_flow", "ugan_generator", "maf_rkl", "iaf_rkl")]
        cells.append(per_seed(short.get(target, {}).get("ais", {}), "log_z_error", 3, seeds))
        rows.append([name] + cells + ["yes" if ugan_ahead(groups, target, seeds) else "no"])
    return table(["target", "U-GAN flow", "U-GAN generator (estimate)", "MAF-RKL", "IAF-RKL",
                  "AIS (20 CPU s)", "U-GAN's flow ahead of both RKL flows"], rows)


def sonar_reference_section():
    mean, std, runs = reference_log_z()
    checks = [r for r in records(REFERENCE) if r["method"] == "t_importance"]
    rows = [["AIS from the prior", str(r["seed"]),
             f"{r['chains']:,} chains × {r['steps']:,} temperatures", f"{r['log_z_hat']:.3f}",
             f"{r['ess_fraction']:.3f}", f"{r['seconds']:.0f}"] for r in runs]
    rows += [["importance sampling, refit multivariate t", str(r["seed"]),
              f"{r['draws']:,} draws × {r['iterations']} proposals, {r['df']} degrees of freedom",
              f"{r['log_z_hat']:.3f}", f"{r['ess_fraction']:.3f}", f"{r['seconds']:.0f}"]
             for r in checks]
    check = sum(r["log_z_hat"] for r in checks) / len(checks)
    published = table(["published (DDS's released results, 30 seeds)", "ln Z"],
                      [[n, f"{m:.2f} ± {s:.2f}"] for n, m, s in PUBLISHED_SONAR])
    gap = mean - max(m for _, m, _ in PUBLISHED_SONAR)
    return "\n\n".join([
        table(["estimator", "seed", "settings", "log Ẑ", "ESS / n", "CPU s"], rows),
        f"Reference log Z = {mean:.3f} ± {std:.3f} (AIS, mean ± std over {len(runs)} seeds); "
        "every Sonar |log Ẑ − log Z| on this page is against that mean. The independent check, "
        f"importance sampling from a multivariate t refit to its own weighted draws (population "
        f"Monte Carlo; the proposal of the last draws is fixed before they are drawn, so their "
        f"weights are unbiased), gives {check:.3f} over {len(checks)} seeds, "
        f"{abs(check - mean):.3f} from the reference.",
        published,
        "Protocol: DDS's released target code standardises each feature by its mean and "
        "population std over all 208 rows, adds a constant column and puts N(0, I) on the 61 "
        "weights, as here; the labels' coding (M = 1 here) does not change Z, since flipping "
        "every label maps w to −w under a symmetric prior. Our AIS follows a linear temperature "
        "schedule from the prior with one HMC move (5 leapfrog steps) per temperature, at the "
        "step size that a 100-chain pilot run adapted for that temperature "
        "(`samplers.smc.pilot_step_sizes`; the estimate's own chains do not adapt, which keeps "
        f"their weights unbiased). Both our estimators sit {gap:.2f} or more above every "
        "published mean. Each estimate of log Z here and there is the log of an unbiased "
        "estimate of Z, so it is biased low, by about half the variance of that estimate "
        "relative to Z: small for ours (ESS / n of 0.16–0.35 over 1,000 chains and 100,000 "
        "draws), and the likely reason the published means, from learned samplers and a "
        "512-step SMC, are lower. We found no protocol difference."])


TARGET_NOTES = {
    "gmm40": "FAB's 40 means (vagan_tf/assets/gmm40), std 1.3133, log Z = 0; the learned "
             "samplers and SVGD see it in units of 10, AIS starts from N(0, 20² I). Modes held: "
             "modes with a sample inside their 99 % disc (3.035 std); h: the nearest-mean "
             "histogram of 10,000 samples.",
    "many_well": "log Z = 164.6957. Published: FAB's log Z mean absolute error 0.0316 ± 0.0042 "
                 "over 5 seeds (fab-jax README), with far more target evaluations. Deep-well "
                 "mass: each pair's share of 5,000 samples with x₁ > 0 against 0.8443 (the "
                 "exact floor row shows the sampling noise). A proposal that holds only the "
                 "deep well of every pair misses 1 − 0.8443 of each pair's mass, so its log Ẑ "
                 "sits about 16 log(1 / 0.8443) = 2.708 low, with a mass error of 0.156.",
    "funnel": "log Z = 0; AIS starts from N(0, 2² I).",
    "sonar_dds": "No exact samples (no energy distance); log Z against the reference."}


def render():
    groups, short = protocol(), grouped(SHORT)
    seeds = seeds_of(groups)
    short_seeds = seeds_of(short)
    intro = (
        "Every sampler on the four benchmarks that FAB (Midgley et al., ICLR 2023), DDS (Vargas "
        "et al., 2023), PIS and \"Beyond ELBOs\" (Blessing et al., 2024) share, with a "
        "log-normaliser estimate and the reverse effective sample size where the sampler has a "
        "density (`vagan_tf.evaluation.importance`: log Ẑ = logsumexp(log u − log ν) − log n, "
        "ESS / n = (Σw)² / (n Σw²), n = 2,000). U-GAN reports two proposals: its paired flow ν "
        "(exact density) and its generator q, whose density is *estimated* as w + log ν from the "
        "critic (so that row's log Ẑ and ESS rest on the critic's fit).\n\n"
        f"**Budgets.** CPU seconds per method, target and seed on one thread, graph tracing "
        f"included. The learned samplers (U-GAN, MAF-RKL, IAF-RKL) ran {PROTOCOL_SECONDS} CPU "
        f"seconds each on seeds {', '.join(map(str, seeds))}: the aims and the head-to-head "
        "below are judged there, within the protocol's ceiling of 600 CPU seconds (half of it, "
        "so that the 36 runs fit three core-hours). Every method, the classical ones included, "
        f"also ran 20 CPU seconds on seeds {', '.join(map(str, short_seeds))}. The learned "
        "methods' step counts were set by a probe of the step time on the first seed (its CPU "
        "seconds in brackets); AIS's temperature count came from probes of 100 and 300 "
        "temperatures (its pilot run included); NUTS ran a fixed 4 × (250 + 250) draws and "
        "reports its own time. FAB's and DDS's published numbers come from far longer runs "
        "(FAB's Many-Well: millions of target evaluations): these tables measure what each "
        "sampler reaches in minutes on one core, not what it reaches converged.")
    sections = [
        _page.section(f"Aims, U-GAN at {PROTOCOL_SECONDS} CPU seconds", tables=[aims(groups, seeds)]),
        _page.section("log Z error, U-GAN's flow against the reverse-KL flows",
                      f"|log Ẑ − log Z| per seed (Sonar: against the reference below), the learned "
                      f"samplers at {PROTOCOL_SECONDS} CPU seconds, AIS at 20.",
                      tables=[head_to_head(groups, short, seeds)])]
    for target, name in TARGETS.items():
        runs = [(f"{PROTOCOL_SECONDS}", groups.get(target, {})),
                ("20", {m: rows for m, rows in short.get(target, {}).items() if m != "exact"})]
        sections.append(_page.section(
            name, f"{TARGET_NOTES[target]} Cells are seeds {' / '.join(map(str, seeds))}.",
            tables=[target_table(target, runs, seeds)]))
    sections.append(_page.section("Sonar reference log Z", sonar_reference_section()))
    sections.append(_page.section(
        "Regenerate",
        "The two protocol runs ran side by side, one core each.",
        regenerate=[f"{SCRIPT} {command}" for command in
                    (*PROTOCOL_COMMANDS, SHORT_COMMAND, REFERENCE_COMMAND)],
        files=(*PROTOCOL.values(), SHORT, REFERENCE)))
    return _page.page("sampler_benchmarks",
                      "Sampler benchmarks: log Z, ESS and sample quality at equal CPU time",
                      intro, *sections)
