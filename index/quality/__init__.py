"""Quality and speed, measured: the evaluation harness and the benchmarks."""
