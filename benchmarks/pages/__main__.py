"""python -m benchmarks.pages [--check]: write docs/results/*.md, or check them."""
import argparse
import os
import sys

from benchmarks import pages
from benchmarks.pages import _page


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split(":")[1].strip())
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 naming each page that differs")
    args = parser.parse_args(argv)
    rendered = pages.render_all()
    uncited = sorted(set(os.listdir(_page.RESULTS_DIR)) - _page.CITED)
    if uncited:
        print(f"results files no page reads: {', '.join(uncited)}", file=sys.stderr)
    if args.check:
        stale = pages.differing(rendered)
        for name in stale:
            print(f"{os.path.relpath(pages.page_path(name), _page.REPOSITORY)} differs from "
                  f"what benchmarks/pages/{name}.py renders; run python -m benchmarks.pages",
                  file=sys.stderr)
        return 1 if stale else 0
    pages.write(rendered)
    for name in rendered:
        print(os.path.relpath(pages.page_path(name), _page.REPOSITORY))
    return 0


if __name__ == "__main__":
    sys.exit(main())
