"""``python -m bench``: run every ``bench/bench_*.py`` with its defaults, print one table, write JSON.

    python -m bench                         # all benchmarks, defaults
    python -m bench queue --signals 1000000 # one benchmark with its own options
    python -m bench crypto notices          # several, defaults
    python -m bench compare OLD.json NEW.json
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from bench import report


def _names() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in Path(__file__).resolve().parent.glob("bench_*.py"))


def run(argv: list[str]) -> None:
    if argv[:1] == ["compare"] and len(argv) == 3:
        report.compare(argv[1], argv[2])
        return
    names = _names()
    if argv and argv[0] in names and any(a.startswith("-") for a in argv[1:]):
        plan = [(argv[0], argv[1:])]  # one benchmark with options
    else:
        chosen = [a.removeprefix("bench_") for a in argv] or names
        unknown = [a for a in chosen if a not in names]
        if unknown:
            raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(names)}")
        plan = [(name, []) for name in chosen]
    for name, options in plan:
        print(f"== bench_{name}", flush=True)
        importlib.import_module(f"bench.bench_{name}").main(options)
        print(flush=True)
    if report.RESULTS:
        print("== summary")
        report.print_table(report.RESULTS)
        print(f"written: {report.write_json(report.RESULTS, argv)}")


if __name__ == "__main__":
    run(sys.argv[1:])
