"""Developer tools: tuning, calibration and benchmarks that regenerate the figures in docs/. Not part of the bot."""
