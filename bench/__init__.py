"""Benchmarks: each prints its measures as ratios against a baseline run in the same process."""
