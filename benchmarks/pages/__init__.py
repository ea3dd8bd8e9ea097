"""The results pages docs/results/<area>.md, each rendered by a module of this package.

Every module here whose name does not start with ``_`` is a page: ``<area>.py`` exposes
``render() -> str``, the whole markdown of docs/results/<area>.md, its tables built from the
results files in benchmarks/results/ (``_page.results``). ``python -m benchmarks.pages``
writes every page; ``--check`` writes nothing and fails naming each page that differs from
what its module renders.
"""
import importlib
import os
import pkgutil

from benchmarks.pages import _page

PAGES_DIR = os.path.join(_page.REPOSITORY, "docs", "results")


def page_names():
    """The areas with a page module, sorted."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__)
                  if not info.name.startswith("_"))


def render_all():
    """{area: the page's markdown} for every page module."""
    return {name: importlib.import_module(f"{__name__}.{name}").render()
            for name in page_names()}


def page_path(name):
    return os.path.join(PAGES_DIR, f"{name}.md")


def differing(pages):
    """The areas whose file on disk is missing or differs from ``pages[area]``."""
    names = []
    for name, text in pages.items():
        path = page_path(name)
        if not os.path.exists(path):
            names.append(name)
            continue
        with open(path, encoding="utf-8") as f:
            if f.read() != text:
                names.append(name)
    return names


def write(pages):
    os.makedirs(PAGES_DIR, exist_ok=True)
    for name, text in pages.items():
        with open(page_path(name), "w", encoding="utf-8") as f:
            f.write(text)
