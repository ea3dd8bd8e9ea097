"""docs/results/score_langevin.md: score estimators and Langevin on the banana (the paper's
Fig. 2), from examples/score_langevin.py's record."""
from benchmarks.pages import _page

FILE = "banana_langevin.json"
ROWS = {"floor": "exact vs exact (floor)", "mala": "MALA, exact log density",
        "exact_score": "ULA, exact score", "dae_score": "ULA, DAE-score",
        "dae_residual": "ULA, DAE-residual", "dae_residual_rescaled": "ULA, DAE-residual / 2σ⁴"}


def mean_std(values, digits):
    mean = sum(values) / len(values)
    std = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def sample_table(record):
    rows = []
    for name, title in ROWS.items():
        q = record["samples"][name]
        if name == "floor":
            energy = mean_std(record["floor"]["energy_distance"], 4)
            mmd2 = mean_std(record["floor"]["mmd2"], 5)
        else:
            energy, mmd2 = f"{q['energy_distance']:.4f}", f"{q['mmd2']:.5f}"
        arms = "n/a" if q["arms_z1_std"] is None else f"{q['arms_z1_std']:.2f}"
        rows.append([title, energy, mmd2, "{:.2f}, {:.2f}".format(*q["std"]),
                     "{:.2f}, {:.2f}".format(*q["standardized_std"]), arms,
                     f"{q['mean_log_density']:.2f}"])
    return _page.table(["samples", "energy distance", "MMD²", "std x1, x2", "std z1, z2",
                        "std z1 in the arms", "mean log u"], rows)


def score_table(record):
    rows = [[ROWS[name].removeprefix("ULA, "), f"{error['rms']:.4f}",
             f"{error['relative_error']:.2f}"]
            for name, error in record["scores_on_exact_samples"].items()]
    return _page.table(["score field", "root-mean-square size on exact samples",
                        "relative error to the exact score"], rows)


def render():
    [record] = _page.results(FILE)
    return _page.page(
        "score_langevin", "Score estimators and Langevin on the banana",
        """
The paper's Fig. 2. `examples/score_langevin.py` with `configs/score/banana.gin` trains a DAE
(MLP 3 × 128, swish) on exact banana samples with σ = 0.2 (3,000 Adam steps, batch 512), then
runs ULA with η = 0.02 from the same 2,000 N(0, I) states and with the same noise for each
score function: the exact score, the DAE-score (r(x) − x)/σ², the DAE-residual
−∇‖r(x) − x‖² as `docs/design.md` §5 defines it, and that residual divided by 2σ⁴. MALA on
the exact log density is the unbiased reference. Each chain runs 3,000 steps; the states
after steps 2,000 and 3,000 are kept, so n = 4,000 per set.""",
        _page.section(
            "Distances to exact samples and the clouds' shape",
            "Each set is compared with one set of 4,000 exact samples: the energy distance "
            "(V-statistic) and the unbiased MMD² with a Gaussian kernel whose bandwidth is the "
            f"median heuristic on the exact set ({record['bandwidth']:.2f}). The floor is the "
            "same pair of distances for 5 independent exact sets (mean ± std). "
            "z = (x1 − x2²/4, x2/2) is N(0, I) for exact samples, so std z1 measures spread "
            "across the curve and std z2 spread along it; \"in the arms\" means |z2| > 1.",
            ["python examples/score_langevin.py --gin_file score/banana.gin "
             "--out runs/banana_langevin --threads 1",
             "cp runs/banana_langevin/banana_langevin.png docs/ && "
             "cp runs/banana_langevin/banana_langevin.json benchmarks/results/"],
            [sample_table(record), score_table(record)], [FILE],
            anchor="the exact-vs-exact floor row, and MALA, which reaches it from the same "
                   f"states (acceptance {record['mala_acceptance']:.3f}).",
            after="""
![true banana density and the ULA clouds of each score estimator](../banana_langevin.png)

* **DAE-score recovers the banana**: its distances are close to ULA's with the exact score.
  Both sit above the floor, which MALA reaches from the same states in the same number of
  steps, so the exact-score gap is ULA's O(η) bias, not slow mixing; the DAE-score estimates
  the score of the σ-smoothed density p_σ, which adds a little.
* **The residual estimator does not collapse; it diffuses.** r(x) − x ≈ σ²∇log p_σ, so the
  gradient of ‖r(x) − x‖² is about 100 times smaller than the score and the chains are
  close to a free random walk. Rescaled by 1/2σ⁴ into score units it approximates
  −∇½‖∇log p‖²: those chains thin onto the curve in the arms but stretch along it and
  spread in x1, far from the banana, and not a collapse to a point or a mode.
* So the paper's qualitative conclusion stands (DAE-score works, DAE-residual does not); its
  word "collapse" matches only the partial thinning that the rescaled residual shows. The
  scaling and step size of the paper's figure are not known."""))
