"""``python -m bench``: run ``main()`` of every ``bench/bench_*.py`` in name order."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def run_all(argv: list[str] | None = None) -> None:
    names = sorted(p.stem for p in Path(__file__).resolve().parent.glob("bench_*.py"))
    if argv:  # `python -m bench crypto feedback` runs only those
        names = [n for n in names if n.removeprefix("bench_") in argv or n in argv]
    for name in names:
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench.{name}").main([])
        print(flush=True)


if __name__ == "__main__":
    run_all(sys.argv[1:])
