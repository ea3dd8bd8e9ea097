"""docs/results/speed.md: what a training step costs: fit against a bare loop, the image
networks, U-GAN against the reverse-KL flows, and the first call's tracing."""
from benchmarks.pages import _page

FIT = {"on": "fit_overhead_onednn_on.json", "off": "fit_overhead_onednn_off.json"}
OLD_BLR = ("--gin_param 'mlp_generator.output_bijector = None' "
           "--gin_param 'UnnormalizedGAN.flow_steps = 3'")


def fit_table(by_setting):
    """``by_setting`` {"on" / "off": {loop: record}}: per-step CPU ms and the ratio to the bare
    loop with oneDNN on and off, and the fixed cost of a call."""
    rows = []
    for loop in by_setting["on"]:
        cells = [loop]
        for setting in ("on", "off"):
            bare = by_setting[setting]["bare tf.function loop"]["ms_per_step"]
            ms = by_setting[setting][loop]["ms_per_step"]
            cells += [f"{ms:.2f}", f"{ms / bare:.2f}"]
        cells.append(" / ".join(_page.number(by_setting[s][loop]["fixed_s"], 2)
                                for s in ("on", "off")))
        rows.append(cells)
    return _page.table(["loop", "CPU ms per step, oneDNN on", "this / bare", "oneDNN off",
                        "this / bare", "fixed CPU s per call, on / off"], rows)


def fit_section():
    reruns = fit_table({setting: {r["loop"]: r for r in _page.results(name)}
                        for setting, name in FIT.items()})
    quiet = {}
    for r in _page.results("fit_overhead.json"):
        quiet.setdefault("on" if r["onednn"] == "1" else "off", {})[r["loop"]] = r
    return _page.section(
        "`fit` against a bare loop: the toy model",
        "The default toy model (ring, rkl, linear likelihood annealing; batch 512) trained by "
        "`AnnealedGAN.fit` and by a bare `tf.function` loop that calls the same `train_step` on "
        "the same pipeline, in one process. Each loop runs 100 and 1,000 steps; the slope of "
        "process CPU time is the per-step cost, the intercept the fixed cost of a call "
        "(medians of 3). The first table is the measurement of `fit_overhead.json`; the "
        "second ran beside four other jobs on the 2 cores, at about three times its CPU time "
        "per step.",
        [f"TF_ENABLE_ONEDNN_OPTS={1 if s == 'on' else 0} python -m benchmarks.fit_overhead "
         f"--steps 1000 --repeats 3 --threads 1 --out benchmarks/results/{name}"
         for s, name in FIT.items()],
        [fit_table(quiet), reruns],
        ["fit_overhead.json", *FIT.values()],
        anchor="the bare `tf.function` loop (1.00).",
        after="At the toy default (50 steps per execution) `fit` costs a few per cent over the "
              "bare loop on a quiet machine; at one step per execution Keras' per-call Python "
              "dispatch adds about 1 ms a step. A `GANExperiment` pays the fixed cost once per "
              "run. Beside other jobs the per-step CPU time grows (shared caches and cores) and "
              "the short calls' fixed costs are noise, so compare rows of one table only.")


def image_section():
    rows = _page.results("image_speed.json")
    bare = next(r for r in rows if r["row"] == "bare loop, batch in memory")["images_per_s"]
    cells = [[r["row"], f"{r['images_per_s']:,.0f}",
              "—" if r["row"].endswith("alone") else f"{bare / r['images_per_s']:.2f}"]
             for r in rows]
    return _page.section(
        "The 32×32 image networks",
        "The CIFAR-10 configuration (`cifar10/base.gin + images/jsd.gin + images/dfm.gin`: the "
        "paper's Table 1 networks at full width, the 2048-wide DFM denoiser, batch 64) on one "
        "CPU thread, one process (the oneDNN-off row in a child process; tfds mock data with "
        "its cache filled first).",
        ["python -m benchmarks.image_speed --steps 10 --threads 1 "
         "--out benchmarks/results/image_speed.json"],
        [_page.table(["32×32 DCGAN + DFM, batch 64", "images/s", "bare loop / this"], cells)],
        ["image_speed.json"], anchor="the bare loop on a batch in memory (1.00).",
        after="""
* `fit` costs about 10 % over a bare `tf.function` loop on these networks.
* Input never bounds training here: the real pipeline delivers hundreds of times what
  training consumes, and `fit` on it runs as fast as on a batch already in memory.
* oneDNN is worth about 4×: TensorFlow leaves it off on CPUs without AVX-512, where the
  transposed convolutions fall back to slow kernels. The `vagan` command and the benchmarks
  turn it on (`TF_ENABLE_ONEDNN_OPTS=1`) unless the environment says otherwise.""")


def ugan_section():
    rows = []
    for r in _page.results("ugan_speed.json"):
        u, u1 = r["ugan_s"], r["ugan_1_flow_step_s"]
        rows.append([str(r["dim"]), f"{u:.3f}", f"{u1:.3f}", f"{r['maf_rkl_s']:.3f}",
                     f"{r['iaf_rkl_s']:.3f}", f"{r['maf_rkl_s'] / u:.1f}",
                     f"{r['iaf_rkl_s'] / u:.2f}", f"{1e3 * r['made_pass_s']:.2f}",
                     f"{r['made_passes_s']:.3f}", f"{r['flow_sample_s']:.3f}",
                     f"{u1 / r['made_passes_s']:.1f}"])
    return _page.section(
        "U-GAN against the flows trained by reverse KL",
        "CPU seconds per training step (process CPU time, one thread), batch 64, the paper's "
        "flow (8 MAF blocks, MADE [512, 512]) on a d-dimensional Gaussian energy. U-GAN as "
        "`configs/ugan/base.gin` runs it (3 flow steps per generator step), and with 1; next "
        "to them, measured in the same run, the sampling floor: one MADE pass on the batch "
        "times K d (the passes that drawing one flow batch takes) and one compiled "
        "`flow.sample` of the batch without gradient.",
        ["python -m benchmarks.ugan_speed --steps 5 --threads 1 "
         "--out benchmarks/results/ugan_speed.json"],
        [_page.table(["d", "U-GAN s/step", "U-GAN, 1 flow step", "MAF-RKL s/step",
                      "IAF-RKL s/step", "MAF-RKL / U-GAN", "IAF-RKL / U-GAN", "MADE pass ms",
                      "K d passes s", "flow.sample s", "U-GAN, 1 flow step / K d passes"],
                     rows)],
        ["ugan_speed.json"],
        anchor="the paper's claim that pairing avoids backpropagating through the MAF's "
               "d-pass sampling; the sampling floor (K d passes, `flow.sample`).",
        after="Pairing buys what the paper says against the MAF once d is more than a few: "
              "U-GAN's step is cheaper than MAF-RKL's from d = 16 on, and at d = 2 its three "
              "networks cost more. From d = 61 on U-GAN's step (1 flow step) is at its "
              "floor, one `flow.sample` for the critic; the extra flow steps are cheap K-pass "
              "density evaluations. The IAF, whose sampling is the cheap direction, is "
              "7–15× cheaper than U-GAN per step from d = 61. The BLR page measures the flow "
              "pool (`UnnormalizedGAN.flow_pool_size`), which takes the critic's draw off "
              "most steps.")


def first_call_section():
    rows = [[f"{r['config']} (d = {DIMS[r['config']]})", f"{r['first_block_s']:.1f}",
             f"{r['steady_block_s']:.1f}", f"{r['overhead_s']:.1f}",
             f"{100 * r['overhead_share']:.1f} %", f"{r['total_cpu_s']:.0f}",
             " / ".join(f"{s:.2f}" for s in r["epoch_end_s"])]
            for r in _page.results("first_step.json")]
    return _page.section(
        "The first call: tracing and graph optimisation",
        "Process CPU time per compiled block of 50 steps in a BLR run of 500 steps (U-GAN with "
        "its generator in θ and 3 flow steps per generator step): the first block pays for "
        "tracing `train_step` and optimising its graph; the overhead is the first block less "
        "the median of the later ones. The flow steps and the critic step are each traced "
        "once, in a graph loop (`distribute.repeat`).",
        ["python -m benchmarks.first_step --configs blr/heart.gin blr/german.gin blr/cancer.gin "
         f"blr/sonar.gin {OLD_BLR} --threads 1 --out benchmarks/results/first_step.json"],
        [_page.table(["run (500 steps)", "first block CPU s", "later blocks", "overhead",
                      "share of run", "run CPU s", "epoch-end work s, each epoch"], rows)],
        ["first_step.json"],
        anchor="the later blocks: a run without tracing would cost their median per block.",
        after="The evaluation at the end of an epoch (1,000 draws and the predictive) is not "
              "retraced. The `--gin_param` bindings give the U-GAN configuration these runs "
              "had (`configs/blr/base.gin` puts the generator in the non-centred "
              "coordinates with 6 flow steps).")


DIMS = {"blr/heart.gin": 15, "blr/german.gin": 26, "blr/cancer.gin": 32, "blr/sonar.gin": 62}


def render():
    return _page.page(
        "speed", "Speed: what a training step costs",
        """
CPU measurements on a 2-core machine without a GPU. Times are process CPU seconds where the
table says so (robust to other jobs sharing the cores), wall time otherwise.""",
        fit_section(), image_section(), ugan_section(), first_call_section())
