#!/usr/bin/env python3
"""The CI gate's power table, from the trials .ci/power ran: how often each arm failed the gate, how often each
backend's metrics called its regression, how large the regression measured, and the smallest change each metric
could have caught. Usage: power_table.py FOLDER (the trials t1, t2, ... each holding ARM-comparison.json)."""

import glob
import json
import os
import statistics
import sys

TAIL_METRICS = ["response p99 ms", "response p99.9 ms", "service p99 ms", "peak p99 ms"]
# The reference store: its operations take microseconds, so a stretch made by sleeping overshoots there (the timer's
# wake-up is tens of microseconds) and its rows are counted apart from the stores'.
REFERENCE = "memory"
SHOWN_METRICS = ["response p50 ms"] + TAIL_METRICS + ["achieved ops/s", "CPU µs / op"]


def percent(value):
    return f"{value * 100:+.0f}%"


def rate(hits, total):
    return f"{hits}/{total} ({100 * hits / total:.0f}%)" if total else "-"


def arm_order(arm):
    kind, _, size = arm.partition("-")
    return ({"unchanged": 0, "tail": 1, "uniform": 2}.get(kind, 3), int(size) if size.isdigit() else 0)


def main(folder):
    comparisons = {}  # arm -> [comparison]
    for path in sorted(glob.glob(os.path.join(folder, "t*", "*-comparison.json"))):
        if not os.path.exists(os.path.join(os.path.dirname(path), "done")):
            continue
        arm = os.path.basename(path)[: -len("-comparison.json")]
        with open(path) as file:
            comparisons.setdefault(arm, []).append(json.load(file))
    if not comparisons:
        sys.exit(f"power_table.py: no finished trial in {folder}: run .ci/power first")
    arms = sorted(comparisons, key=arm_order)
    backends = list(dict.fromkeys(row["backend"] for found in comparisons.values() for c in found for row in c["rows"]))
    runs = sorted(glob.glob(os.path.join(folder, "t1", "base", "r*", "results.json")))
    with open(runs[0]) as file:
        sample = json.load(file)
    configuration, environment = sample["configuration"], sample["environment"]

    lines = ["# The CI gate's power", ""]
    lines.append(
        f"Measured by `.ci/power` against the base {environment.get('gitCommit', '?')[:12]}: "
        f"{', '.join(f'{len(comparisons[arm])} trials of `{arm}`' for arm in arms)}, "
        f"each replaying the `{configuration['scenario']}` trace ({configuration['traceDigest']}) {len(runs)} times a side on "
        f"{', '.join(backends)}, the base and every arm interleaved run by run, every arm then compared with its trial's "
        f"base by `surgebench compare` as `.ci/compare` does. Arms: `unchanged` is this code against itself (identical "
        f"builds); `tail-N` makes only the slowest 2% of operations N% longer, sleeping (a tail-only regression: the "
        f"median stays); `uniform-N` makes every operation N% longer, spinning.")
    lines.append("")
    lines.append("## The whole gate")
    lines.append("")
    lines.append(f"| arm | comparisons | failed the gate | failed through a store other than {REFERENCE} | of which correctness "
                 "| what it caught (metrics called a regression, over all trials) |")
    lines.append("|---|---:|---:|---:|---:|---|")
    for arm in arms:
        found = comparisons[arm]
        failed = sum(c["verdict"] == "regression" for c in found)
        stores = sum(any(row["verdict"] == "regression" and row["backend"] != REFERENCE for row in c["rows"]) or bool(c["correctnessFailures"])
                     for c in found)
        incorrect = sum(bool(c["correctnessFailures"]) for c in found)
        called = {}
        for c in found:
            for row in c["rows"]:
                if row["verdict"] == "regression":
                    key = f"{row['backend']} {row['metric']}"
                    called[key] = called.get(key, 0) + 1
        caught = ", ".join(f"{key} {count}" for key, count in sorted(called.items(), key=lambda item: -item[1])) or "nothing"
        lines.append(f"| {arm} | {len(found)} | {rate(failed, len(found))} | {rate(stores, len(found))} | {incorrect} | {caught} |")
    lines.append("")
    lines.append("## By backend: a regression in one store alone")
    lines.append("")
    lines.append(
        "Each metric's verdict depends on its own runs alone (the confidence per metric is fixed by the number of metrics), "
        "so the rate at which a backend's metrics called its regression is the rate at which the gate would fail had the "
        "regression been in that store only. \"measured\" is the median over trials of the estimated change of response "
        "p50 and p99 and of service p99: the size of the regression the arm actually made. The other columns are the rate "
        "at which each metric called a regression (\"not judged\": too few operations beyond that percentile in a run).")
    lines.append("")
    header = "| arm | backend | measured p50 | measured p99 | measured service p99 | any metric | " + " | ".join(SHOWN_METRICS) + " |"
    lines.append(header)
    lines.append("|" + "---|" * (header.count("|") - 1))
    for arm in arms:
        found = comparisons[arm]
        for backend in backends:
            def rows(metric):
                return [row for c in found for row in c["rows"] if row["backend"] == backend and row["metric"] == metric]
            def measured(metric):
                changes = [row["change"] for row in rows(metric)]
                return percent(statistics.median(changes)) if changes else "-"
            any_hits = sum(any(row["backend"] == backend and row["verdict"] == "regression" for row in c["rows"]) for c in found)
            cells = []
            for metric in SHOWN_METRICS:
                judged = [row for row in rows(metric) if not row["judgement"].startswith("not judged")]
                cells.append(rate(sum(row["verdict"] == "regression" for row in judged), len(judged)) if judged else "not judged")
            lines.append(f"| {arm} | {backend} | {measured('response p50 ms')} | {measured('response p99 ms')} | {measured('service p99 ms')} | "
                         f"{rate(any_hits, len(found))} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("## The smallest change each metric could catch")
    lines.append("")
    lines.append(
        "The median over every comparison of each metric's \"detectable\" figure (the tolerance, or the interval's reach "
        "below the estimate when wider): a change for the worse of about this size is caught about half the time, a "
        "larger one more often, a smaller one rarely. A metric whose figure is far above its tolerance cannot see a "
        "regression of its tolerance's size with this many runs.")
    lines.append("")
    metrics = list(dict.fromkeys(row["metric"] for c in comparisons[arms[0]] for row in c["rows"]))
    lines.append("| metric | tolerance | " + " | ".join(backends) + " |")
    lines.append("|---|---:|" + "---:|" * len(backends))
    for metric in metrics:
        tolerance = next(row["tolerance"] for c in comparisons[arms[0]] for row in c["rows"] if row["metric"] == metric)
        lower_is_better = not metric.startswith("achieved")
        cells = []
        for backend in backends:
            found = [row["detectable"] for arm in arms for c in comparisons[arm] for row in c["rows"]
                     if row["backend"] == backend and row["metric"] == metric and row.get("detectable") is not None]
            cells.append(("+" if lower_is_better else "-") + f"{statistics.median(found) * 100:.0f}%" if found else "-")
        lines.append(f"| {metric} | ±{tolerance * 100:.0f}% | " + " | ".join(cells) + " |")
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: power_table.py FOLDER (the folder .ci/power wrote its trials to)")
    main(sys.argv[1])
