"""mkdocs hook: one API reference page per top-level module or subpackage of vagan_tf.

The pages are written at build time from the package's files (mkdocstrings reads the
docstrings), so the reference follows the package's layout without a page to edit when a
module moves: ``api/<name>.md`` holds ``::: vagan_tf.<name>`` and, for a subpackage, one
such block for each of its modules; the nav's "API reference" section lists them.
"""
import ast
import os

from mkdocs.structure.files import File

PACKAGE = "vagan_tf"
ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                    PACKAGE)


def _modules(path, dotted):
    """The dotted names of the package or module at ``path`` and of every module inside it."""
    if os.path.isfile(path):
        return [dotted]
    names = [dotted]
    for entry in sorted(os.listdir(path)):
        child = os.path.join(path, entry)
        if entry.startswith("_"):
            continue
        if entry.endswith(".py"):
            names.append(f"{dotted}.{entry[:-3]}")
        elif os.path.isfile(os.path.join(child, "__init__.py")):
            names += _modules(child, f"{dotted}.{entry}")
    return names


def _summary(path):
    """The first line of the docstring of the module or package at ``path``."""
    source = os.path.join(path, "__init__.py") if os.path.isdir(path) else path
    with open(source, encoding="utf-8") as handle:
        doc = ast.get_docstring(ast.parse(handle.read())) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _pages():
    """``{page path: markdown}`` for the package's face and each top-level part of it."""
    parts = []
    for entry in sorted(os.listdir(ROOT)):
        path = os.path.join(ROOT, entry)
        if entry.startswith("_"):
            continue
        if entry.endswith(".py") or os.path.isfile(os.path.join(path, "__init__.py")):
            parts.append((entry[:-3] if entry.endswith(".py") else entry, path))
    pages = {f"api/{PACKAGE}.md": (f"# `{PACKAGE}`\n\n::: {PACKAGE}\n    options:\n"
                                    "      members: false\n")}
    index = ["# API reference\n", "Built from the docstrings. The public face is "
             f"[`{PACKAGE}`]({PACKAGE}.md); each part of the package has its page:\n",
             "| module | what it holds |", "|---|---|"]
    for name, path in parts:
        blocks = "\n\n".join(f"::: {module}" for module in _modules(path, f"{PACKAGE}.{name}"))
        pages[f"api/{name}.md"] = f"# `{PACKAGE}.{name}`\n\n{blocks}\n"
        index.append(f"| [`{PACKAGE}.{name}`]({name}.md) | {_summary(path)} |")
    pages["api/index.md"] = "\n".join(index) + "\n"
    return pages


def on_config(config):
    """Adds the API reference section to the nav."""
    pages = _pages()
    section = [{"Overview": "api/index.md"}]
    section += [{path[len("api/"):-len(".md")]: path} for path in pages if path != "api/index.md"]
    config["nav"].append({"API reference": section})
    return config


def on_files(files, config):
    """Adds the generated API pages to the site's files."""
    for path, content in _pages().items():
        files.append(File.generated(config, path, content=content))
    return files
