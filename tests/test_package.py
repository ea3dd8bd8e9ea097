"""The package's layout: the public face, one subpackage per concept, imports that only go down;
its public docstrings' Args / Returns / Raises sections."""
import ast
import importlib
import os
import re

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


# Keras' and TensorFlow's hooks: their arguments and what they return are the framework's
FRAMEWORK_HOOKS = {"build", "call", "compute_output_shape", "from_config", "get_config",
                   "predict_step", "test_step", "train_step"}
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
SECTION = re.compile(r"^(Args|Attributes|Examples?|Notes?|Raises|Returns|Yields):\s*$")


def docstring_sections(doc):
    """``{section name: its text}`` of a Google-style docstring: a section is a line ``Name:``
    at the docstring's indentation and the indented or blank lines under it."""
    sections, name = {}, None
    for line in (doc or "").splitlines():
        header = SECTION.match(line)
        if header:
            name = header.group(1)
            sections[name] = ""
        elif name and (not line.strip() or line[0].isspace()):
            sections[name] += line + "\n"
        else:
            name = None
    return sections


def own_nodes(function):
    """The nodes of ``function``'s body, without those of the functions, lambdas and classes
    it defines."""
    def own(nodes):
        return [node for node in nodes
                if not isinstance(node, FUNCTIONS + (ast.Lambda, ast.ClassDef))]

    stack = own(function.body)
    while stack:
        node = stack.pop()
        yield node
        stack += own(ast.iter_child_nodes(node))


def parameters(function, method):
    """The parameter names of ``function`` (``*args`` as ``args``), less a method's first."""
    arguments = function.args
    names = [a.arg for a in arguments.posonlyargs + arguments.args]
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod"
                 for d in function.decorator_list)
    if method and not static:
        names = names[1:]
    names += [a.arg for a in arguments.kwonlyargs]
    return names + [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]


def raised_names(function):
    """The names of what ``function`` raises itself: ``raise m.E(...)`` gives 'E'; a re-raise
    (``raise``) and ``NotImplementedError`` (an abstract method's body) are left out."""
    names = []
    for node in own_nodes(function):
        if isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = raised.attr if isinstance(raised, ast.Attribute) else getattr(raised, "id", "")
            if name != "NotImplementedError":
                names.append(name)
    return names


def gives_value(function):
    """Whether ``function`` itself returns or yields a value other than None."""
    return any(isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value is not None
               and not (isinstance(node.value, ast.Constant) and node.value.value is None)
               for node in own_nodes(function))


def missing_sections(node, params, body, exempt, fields=()):
    """What the docstring of ``node`` lacks: a docstring; an Args entry per parameter of
    ``params`` (a dataclass's ``fields`` under Args or Attributes); Returns or Yields when
    ``body`` gives a value; Raises naming what ``body`` raises. ``exempt``: no Args or Returns
    needed."""
    doc = ast.get_docstring(node)
    sections = docstring_sections(doc)
    missing = [] if doc else ["a docstring"]
    documented = sections.get("Args", "") + (sections.get("Attributes", "") if fields else "")
    lacking = [p for p in [*params, *fields] if not re.search(
        rf"^\s+\**{re.escape(p)}( \([^)]*\))?:", documented, re.MULTILINE)]
    if lacking and not exempt:
        missing.append(f"Args ({', '.join(lacking)})")
    if body is not None and not exempt and gives_value(body) and not (
            "Returns" in sections or "Yields" in sections):
        missing.append("Returns")
    raised = sorted(set(raised_names(body))) if body is not None else []
    # an exception class (capitalised) is named; a factory such as training_stopped(...) is not
    unnamed = [name for name in raised if name[:1].isupper()
               and not re.search(rf"\b{name}\b", sections.get("Raises", ""))]
    if raised and ("Raises" not in sections or unnamed):
        missing.append("Raises" + (f" ({', '.join(unnamed)})" if unnamed else ""))
    return missing


def undocumented(sources):
    """``"module:qualname lacks ..."`` for each public object of ``sources`` ((dotted name,
    text)) whose docstring lacks a section the package's standard asks for.

    Checked: the module-level functions and classes whose names do not start with ``_``, and
    such methods of those classes (a dunder is private). Each needs a docstring; Args
    naming every parameter (self and cls aside; a class's are its ``__init__``'s, or a
    dataclass's fields, which may be under Attributes); Returns (or Yields) when its own
    body returns a value; and Raises naming each exception its own body raises, nested
    functions aside. The exemptions are those of
    ``test_public_docstrings_have_args_returns_and_raises``.
    """
    found = []
    for dotted, text in sources:
        for node in ast.parse(text).body:
            if isinstance(node, FUNCTIONS + (ast.ClassDef,)) and not node.name.startswith("_"):
                found += [f"{dotted}:{name} lacks {'; '.join(missing)}"
                          for name, missing in object_sections(node) if missing]
    return found


def object_sections(node):
    """``(qualname, what its docstring lacks)`` for a public function, or for a public class
    and each of its public methods (``undocumented``)."""
    if isinstance(node, FUNCTIONS):
        return [(node.name, missing_sections(node, parameters(node, False), node, False))]
    methods = [m for m in node.body if isinstance(m, FUNCTIONS)]
    init = next((m for m in methods if m.name == "__init__"), None)
    dataclass = any("dataclass" in ast.unparse(d) for d in node.decorator_list)
    fields = [f.target.id for f in node.body if dataclass
              and isinstance(f, ast.AnnAssign) and isinstance(f.target, ast.Name)]
    found = [(node.name, missing_sections(node, parameters(init, True) if init else [], init,
                                          False, fields))]
    for method in methods:
        if method.name.startswith("_"):
            continue
        decorators = {ast.unparse(d).rsplit(".", 1)[-1] for d in method.decorator_list}
        exempt = (bool(decorators & {"property", "cached_property", "setter"})
                  or method.name in FRAMEWORK_HOOKS or method.name.startswith("on_"))
        found.append((f"{node.name}.{method.name}",
                      missing_sections(method, parameters(method, True), method, exempt)))
    return found


PLANTED = '''
@dataclasses.dataclass
class Pair:
    """Two numbers."""

    first: int
    second: int


def scale(x, factor=2):
    """x times factor."""
    if factor < 0:
        raise ValueError("negative")
    return x * factor


def half(a, b, *rest, **options):
    """Half of a.

    Args:
        a: a number.
        *rest: ignored.
        **options: ignored.

    Returns:
        a / 2.

    Raises:
        KeyError: never.
    """
    if a is None:
        raise errors.InvalidArgumentError(a)
    return a / 2


def _helper(y):
    return y


class Box:
    """A box."""

    def __init__(self, size):
        self.size = size

    @property
    def area(self):
        return self.size ** 2

    def call(self, x):
        """x, as Keras' hook gives it."""
        return x

    def grow(self, by):
        """A bigger box.

        Args:
            by: the growth.
        """
        return Box(self.size + by)

    def sides(self):
        """The box's sides.

        Yields:
            Each side's length.
        """
        yield from [self.size] * 4

    def _hidden(self, y):
        return y
'''


def test_public_docstrings_have_args_returns_and_raises():
    """The code standard's "docstrings with the equation and Args / Returns / Raises", in
    Google style (which mkdocs renders into the API pages): ``undocumented`` lists what
    lacks them.

    Exempt from Args and Returns, with a docstring that says in prose what they are or give:
    properties (attributes, documented as such), and Keras' and TensorFlow's hooks
    (``FRAMEWORK_HOOKS`` and the ``on_*`` methods of callbacks), whose arguments and results
    the framework fixes; they still need Raises. Not counted as raising: a bare ``raise``
    (it passes on what a callee raised) and ``NotImplementedError`` (an abstract method's
    body). A raised exception class is named in Raises; a lowercase factory
    (``raise training_stopped(...)``) needs the section only. Private names and dunders
    are not checked.
    """
    sources = [(dotted, open(path, encoding="utf-8").read()) for dotted, path in modules()]
    assert undocumented(sources) == []
    assert undocumented([("m", PLANTED)]) == [
        "m:Pair lacks Args (first, second)",
        "m:scale lacks Args (x, factor); Returns; Raises (ValueError)",
        "m:half lacks Args (b); Raises (InvalidArgumentError)",
        "m:Box lacks Args (size)",
        "m:Box.area lacks a docstring",
        "m:Box.grow lacks Returns"]
