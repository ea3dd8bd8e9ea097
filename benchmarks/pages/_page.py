"""What every results page is made of: results files read (and noted as cited), their
provenance, markdown tables and the commands that regenerate them.

Rendering imports no TensorFlow: the tables come from the records alone.
"""
import importlib
import json
import os

from benchmarks import common

REPOSITORY = common.REPOSITORY
BENCHMARKS_DIR = os.path.join(REPOSITORY, "benchmarks")
RESULTS_DIR = os.path.join(BENCHMARKS_DIR, "results")
# results files written before stamping: {file name: {"commit": the commit that wrote it
# (git log --format=%h -1 -- benchmarks/results/<name>), "note": how, where it says more}}
UNSTAMPED_PATH = os.path.join(BENCHMARKS_DIR, "unstamped.json")
CITED = set()  # the results files read by the pages rendered in this process


def unstamped():
    with open(UNSTAMPED_PATH, encoding="utf-8") as f:
        return json.load(f)


def read(name):
    """(stamp, records) of benchmarks/results/<name>, noted as cited."""
    CITED.add(name)
    return common.read_results(os.path.join(RESULTS_DIR, name))


def results(*names):
    """The records of benchmarks/results/<name>... concatenated, noted as cited."""
    CITED.update(names)
    return common.load_results([os.path.join(RESULTS_DIR, name) for name in names])


def script(name):
    """The benchmark script benchmarks/<name>.py as a module (for its table functions; the
    scripts import TensorFlow only to measure)."""
    return importlib.import_module(f"benchmarks.{name}")


def describe(stamp):
    """One line: the commit, versions, machine, threads and date of a stamp."""
    versions = stamp["versions"]
    threads = stamp.get("threads")
    parts = [f"commit {stamp['commit'][:7]}" + (" with uncommitted changes" if stamp["dirty"]
                                                 else ""),
             f"vagan_tf {versions['vagan_tf']}", f"TensorFlow {versions['tensorflow']}",
             f"Keras {versions['keras']}", f"TFP {versions['tensorflow-probability']}",
             f"Python {stamp['python']}", f"{stamp['cpu']} ({stamp['cpu_count']} CPUs)",
             "TensorFlow threads " + ("not set" if threads is None else
                                      f"{threads['intra_op'] or 'all'} intra-op, "
                                      f"{threads['inter_op'] or 'all'} inter-op"),
             f"oneDNN {({'0': 'off', '1': 'on'}).get(stamp['onednn'], 'as TensorFlow decides')}",
             stamp["date"][:10]]
    return ", ".join(parts)


def ran_on(*names):
    """Markdown: where each file's results were measured, files of one description together."""
    manifest = unstamped()
    lines = {}
    for name in names:
        stamp, _ = read(name)
        if stamp is not None:
            text = describe(stamp) + f"; `{stamp['command']}`"
        else:
            entry = manifest[name]
            text = f"unstamped, from commit {entry['commit']}" + (
                f" ({entry['note']})" if entry.get("note") else "")
        lines.setdefault(text, []).append(name)
    text = "\n".join(f"* {', '.join(f'`{n}`' for n in files)}: {text}"
                     for text, files in lines.items())
    if any(line.startswith("unstamped") for line in lines):
        text += ("\n\nUnstamped files ran on the development machine of their commit (2 CPU "
                 "cores, no GPU, TensorFlow 2.21, Keras 3.15, as the README of that commit "
                 "says).")
    return text


def table(header, rows):
    """A markdown table of string cells."""
    return "\n".join([f"| {' | '.join(header)} |", f"|{'---|' * len(header)}",
                      *(f"| {' | '.join(row)} |" for row in rows)])


def commands(*lines):
    return "```bash\n" + "\n".join(lines) + "\n```"


def section(title, text="", regenerate=(), tables=(), files=(), anchor="", after="", level=2):
    """A section: its prose, the commands that regenerate it, its tables, the anchor they are
    read against, and where the results were measured (``files``)."""
    parts = [f"{'#' * level} {title}"]
    if text:
        parts.append(text.strip())
    if regenerate:
        parts.append(commands(*regenerate))
    parts += list(tables)
    if anchor:
        anchor = anchor.strip()
        parts.append(f"**Anchor.** {anchor[0].upper()}{anchor[1:]}"
                     + ("" if anchor.endswith(".") else "."))
    if after:
        parts.append(after.strip())
    if files:
        parts.append("Ran on:\n\n" + ran_on(*files))
    return "\n\n".join(parts)


def page(area, title, intro, *sections):
    """The whole page: title, how it is made, intro, sections."""
    return "\n\n".join([
        f"# {title}",
        f"<!-- Written by `python -m benchmarks.pages` from benchmarks/results/; edit "
        f"benchmarks/pages/{area}.py, not this file. -->",
        intro.strip(), *sections]) + "\n"


def number(value, digits, sign=False):
    """``value`` with ``digits`` decimals, "—" for None."""
    return common.number_or_dash(value, digits, sign)


def spread(values, digits):
    """"a–b" of the values' range, or the one value."""
    low, high = f"{min(values):.{digits}f}", f"{max(values):.{digits}f}"
    return low if low == high else f"{low}–{high}"
