"""The package's layout: the public face, one subpackage per concept, imports that only go down."""
import ast
import importlib
import os

import pytest

import vagan_tf
from vagan_tf import AnnealedGAN, ReverseKLFlow, TrainableSampler, UnnormalizedGAN, targets

from helpers import REPO

PACKAGE = os.path.join(REPO, "vagan_tf")
SUBPACKAGES = sorted(d for d in os.listdir(PACKAGE)
                     if os.path.isfile(os.path.join(PACKAGE, d, "__init__.py")))


def modules():
    """Every module of the package as (dotted name, path)."""
    for folder, dirs, files in os.walk(PACKAGE):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                dotted = os.path.relpath(path, REPO)[:-3].replace(os.sep, ".")
                yield dotted.removesuffix(".__init__"), path


def test_user_code_reads_the_models_and_targets_from_the_package():
    models = (AnnealedGAN, UnnormalizedGAN, ReverseKLFlow)
    assert all(issubclass(model, TrainableSampler) for model in models)
    assert targets.Banana().dim == 2 and targets.ring().num_modes == 8


def test_the_top_level_holds_only_the_public_face_and_the_command_line():
    top = sorted(f for f in os.listdir(PACKAGE) if f.endswith(".py"))
    assert top == ["__init__.py", "cli.py"]


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_each_subpackage_says_in_one_line_what_it_holds_and_exports_what_it_lists(name):
    package = importlib.import_module(f"vagan_tf.{name}")
    first = package.__doc__.strip().splitlines()[0]
    assert first.endswith(".") and len(first) <= 100
    for public in package.__all__:
        assert getattr(package, public) is not None, f"vagan_tf.{name}.{public}"
    assert name in vagan_tf.__all__ or name == "rl"


def upward_imports(sources):
    """``"m imports p"`` for each module m of ``sources`` ((dotted name, path, text)) that imports
    ``vagan_tf`` or a subpackage containing it; ``from p import m2`` naming a module or subpackage
    m2 of p is an import of m2, not of p."""
    upward = []
    for dotted, path, text in sources:
        if path.endswith("__init__.py"):
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported, names = node.module, [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                imported, names = node.names[0].name, []
            else:
                continue
            if not (imported.startswith("vagan_tf") and dotted.startswith(imported + ".")):
                continue
            paths = [os.path.join(REPO, *n.split(".")) for n in names]
            if not paths or not all(os.path.exists(p + ".py") or os.path.isdir(p) for p in paths):
                upward.append(f"{dotted} imports {imported}")
    return upward


def test_no_module_imports_a_package_that_contains_it():
    """Such an import runs that package's ``__init__`` (which imports its modules) from one of
    its own modules: a cycle."""
    sources = [(dotted, path, open(path, encoding="utf-8").read()) for dotted, path in modules()]
    assert upward_imports(sources) == []
    planted = [("vagan_tf.run.assemble", "assemble.py", "import vagan_tf\n"),
               ("vagan_tf.run.export", "export.py", "from vagan_tf.run import parse_gin\n"),
               ("vagan_tf.run.scoring", "scoring.py", "from vagan_tf.run import assemble\n")]
    assert upward_imports(planted) == ["vagan_tf.run.assemble imports vagan_tf",
                                       "vagan_tf.run.export imports vagan_tf.run"]
