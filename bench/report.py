"""Collects the figures of one ``python -m bench`` run: one table on stdout, one JSON file to compare runs.

A benchmark calls ``record(bench, figure, value, unit)`` for each figure it wants in the table;
``__main__`` prints the table at the end and writes ``bench/results/<UTC time>.json`` (git-ignored).
``python -m bench compare OLD.json NEW.json`` prints both runs side by side with the ratio.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess  # nosec B404 # git rev-parse for the run's metadata
from datetime import datetime, timezone
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
RESULTS: list[dict] = []


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(times_ms: list[float]) -> tuple[float, float]:
    """(p50, p95) in ms."""
    return statistics.median(times_ms), percentile(times_ms, 0.95)


def record(bench: str, figure: str, value: float, unit: str) -> None:
    RESULTS.append({"bench": bench, "figure": figure, "value": round(float(value), 3), "unit": unit})


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    except (OSError, IndexError):
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,  # nosec B603 B607
                                cwd=Path(__file__).resolve().parents[1], check=False).stdout.strip()
    except OSError:
        commit = ""
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "python": platform.python_version(),
            "system": platform.platform(), "commit": commit}


def _number(value: float) -> str:
    return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"


def print_table(results: list[dict]) -> None:
    if not results:
        return
    width = max(len(f"{r['bench']}  {r['figure']}") for r in results)
    print(f"{'figure':<{width}}  {'value':>12}  unit")
    for r in results:
        print(f"{r['bench'] + '  ' + r['figure']:<{width}}  {_number(r['value']):>12}  {r['unit']}")


def write_json(results: list[dict], argv: list[str]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    now = datetime.now(timezone.utc)
    path = RESULTS_DIR / f"{now:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps({"started": now.isoformat(), "argv": argv, "machine": machine(), "results": results},
                               indent=2))
    return path


def compare(old_path: str, new_path: str) -> None:
    old, new = (json.loads(Path(p).read_text()) for p in (old_path, new_path))
    before = {(r["bench"], r["figure"]): r for r in old["results"]}
    width = max([len(f"{r['bench']}  {r['figure']}") for r in new["results"]] + [6])
    print(f"{'figure':<{width}}  {'old':>10}  {'new':>10}  {'new/old':>8}  unit")
    for r in new["results"]:
        o = before.get((r["bench"], r["figure"]))
        ratio = f"{r['value'] / o['value']:.2f}x" if o and o["value"] else "-"
        old_value = _number(o["value"]) if o else "-"
        print(f"{r['bench'] + '  ' + r['figure']:<{width}}  {old_value:>10}  {_number(r['value']):>10}  {ratio:>8}  {r['unit']}")
