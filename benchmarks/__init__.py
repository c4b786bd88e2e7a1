"""Benchmarks of jaxbsm, one script per observable family (DESIGN.md §7).

Each script measures compile time, single-point latency, throughput over batch sizes and, for fits,
NUTS ESS per second; runs the peer code on the same inputs where one exists; writes JSON under
``benchmarks/results/`` and prints a markdown table. Shared timing and reporting helpers live in
``benchmarks.common``.
"""
