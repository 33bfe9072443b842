"""Benchmarks with fixed data sizes. They print timings and ratios; they never pass or fail.

Run all: ``python -m bench``; one: ``python -m bench.bench_crypto``.
Each ``bench/bench_*.py`` module has a ``main(argv: list[str] | None = None) -> None``.
"""
