"""Benchmarks of vagan_tf: scripts, their results files and the results pages."""
