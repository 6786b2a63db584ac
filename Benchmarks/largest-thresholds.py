#!/usr/bin/env python3
"""Merges the threshold folders of several `benchmark thresholds update` runs into one: for every benchmark and
metric, the largest p90 seen. This machine is shared and noisy; a threshold from one run fails the next run by chance
(wall clock differs by over 50% between runs), one from the worst of several fails only on a real regression.
Usage: largest-thresholds.py OUT RUN_DIR...
"""
import json
import os
import sys

out, runs = sys.argv[1], sys.argv[2:]
if not runs:
    sys.exit("usage: largest-thresholds.py OUT RUN_DIR...")
merged = {}
for run in runs:
    for name in sorted(os.listdir(run)):
        with open(os.path.join(run, name)) as handle:
            values = json.load(handle)
        entry = merged.setdefault(name, {})
        for metric, value in values.items():
            entry[metric] = max(entry.get(metric, value), value)
os.makedirs(out, exist_ok=True)
for name, values in merged.items():
    with open(os.path.join(out, name), "w") as handle:
        json.dump(values, handle, indent=2, sort_keys=True)
        handle.write("\n")
print(f"{len(merged)} thresholds from {len(runs)} runs written to {out}")
