#!/usr/bin/env python3
"""Explanations on the shared data sets (issue: explanations), side by side with the peers' figures.

For each data set, on the peers' split files (../shared/peers/make_splits.py):
  1. `fit` the default teacher (the ensemble) on the training split, `distill` the default student from it;
  2. planted anomalies: every normal test row (label 0) gets one numeric column, chosen at random (seed 0), set to
     the training mean ± 8 standard deviations; `score --explain 3` with each model; the planted column must be
     reason_1 for ≥ 90% of the rows and in the top three for ≥ 97% (default: cardio and satimage2);
  3. agreement: `distill --json`'s explanations.top_reason_agreement — on the test rows either model flags (at
     most 250, evenly spread), how often the student's reason_1 is the teacher's (bar: ≥ 80% on average);
  4. cost: `bench --json`'s explain_ns_per_row (every column's contribution, per row, in-process) for both.

Usage: bench-explain.py [--bin anomaly-distill] [--shared ../shared] [--planted cardio,satimage2]
                        [--agreement SET,...] [--json] [--no-bench] [-- more distill options]
Needs pandas and scikit-learn (for the split files). Build the CLI in release first (`swift build -c release`).
"""
import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile

import numpy as np

from bench_common import DISTILLATION_SETS as AGREEMENT_SETS

MISSING = {"", "NA", "N/A", "NaN", "nan", "NAN", "NULL", "null", "?"}


def run(*args):
    return subprocess.run(list(args), check=True, capture_output=True, text=True).stdout


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def numeric_columns(header, rows):
    result = []
    for j, name in enumerate(header):
        if name == "label":
            continue
        values = [r[j] for r in rows if r[j] not in MISSING]
        try:
            floats = [float(v) for v in values]
        except ValueError:
            continue
        if len(set(floats)) > 2:
            result.append((j, name, float(np.mean(floats)), float(np.std(floats))))
    return result


def explain(binary, model, data, k):
    out = run(binary, "score", "-m", model, data, "--format", "jsonl", "--explain", str(k))
    return [json.loads(line) for line in out.splitlines()]


def find_explanations(document):
    """The `explanations` object anywhere in `distill --json`'s output."""
    if isinstance(document, dict):
        if "top_reason_agreement" in document:
            return document
        for value in document.values():
            found = find_explanations(value)
            if found is not None:
                return found
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    p.add_argument("--bin", default=os.path.join(here, "..", ".build", "release", "anomaly-distill"))
    p.add_argument("--shared", default=os.path.join(here, "..", "..", "shared"))
    p.add_argument("--planted", default="cardio,satimage2")
    p.add_argument("--agreement", default=",".join(AGREEMENT_SETS))
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-bench", action="store_true",
                   help="skip the cost per row (`bench`; the teacher ensemble explains 1,000 rows per pass)")
    p.add_argument("distill_options", nargs="*", help="more `distill` options, after --")
    a = p.parse_args()

    planted_sets = [s for s in a.planted.split(",") if s]
    agreement_sets = [s for s in a.agreement.split(",") if s]
    work = tempfile.mkdtemp(prefix="bench-explain-")
    data = os.path.join(work, "data")
    os.makedirs(data)
    for name in sorted(set(planted_sets + agreement_sets)):
        # Some shared sets are gzipped (cover, kdd99_http); make_splits.py reads both.
        source = next(os.path.join(os.path.abspath(a.shared), "data", name + ext) for ext in (".csv", ".csv.gz")
                      if os.path.exists(os.path.join(a.shared, "data", name + ext)))
        os.symlink(source, os.path.join(data, os.path.basename(source)))
    run(sys.executable, os.path.join(a.shared, "peers", "make_splits.py"), data, os.path.join(work, "splits"))

    results = {}
    for name in sorted(set(planted_sets + agreement_sets)):
        split = os.path.join(work, "splits", name)
        train, test = os.path.join(split, "train.csv"), os.path.join(split, "test.csv")
        teacher, student = os.path.join(work, name + "-teacher.safetensors"), os.path.join(work, name + "-student.safetensors")
        run(a.bin, "fit", "--train", train, "--test", test, "--out", teacher, "--quiet")
        report = json.loads(run(a.bin, "distill", "--teacher", teacher, "--train", train, "--test", test, "--out", student,
                                "--json", *a.distill_options))
        entry = {}
        models = {"teacher": teacher, "student": student}
        for role, model in ([] if a.no_bench else models.items()):
            entry[role + "_explain_ns_per_row"] = json.loads(run(a.bin, "bench", "-m", model, "--data", test, "--json",
                                                                   "--batch-rows", "1000", "--seconds", "0.2"))["explain_ns_per_row"]
        if name in planted_sets:
            header, train_rows = read(train)
            _, test_rows = read(test)
            columns = numeric_columns(header, train_rows)
            label = header.index("label")
            generator = random.Random(0)
            planted_rows, planted = [], []
            for row in test_rows:
                if row[label] != "0":
                    continue
                j, column, mean, std = columns[generator.randrange(len(columns))]
                row = list(row)
                row[j] = repr(mean + (8 if generator.random() < 0.5 else -8) * std)
                planted_rows.append(row)
                planted.append(column)
            planted_path = os.path.join(work, name + "-planted.csv")
            with open(planted_path, "w", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(header)
                writer.writerows(planted_rows)
            for role, model in models.items():
                answers = explain(a.bin, model, planted_path, 3)
                first = sum(ans["reasons"][0]["column"] == col for ans, col in zip(answers, planted)) / len(planted)
                top3 = sum(col in [r["column"] for r in ans["reasons"]] for ans, col in zip(answers, planted)) / len(planted)
                entry[role + "_planted_first"] = first
                entry[role + "_planted_top3"] = top3
            entry["planted_rows"] = len(planted)
        if name in agreement_sets:
            summary = find_explanations(report)
            entry["flagged_by_either"] = summary["flagged_by_either"]
            entry["top_reason_agreement"] = summary["top_reason_agreement"]
        results[name] = entry
        print(f"{name}: {json.dumps(entry)}", file=sys.stderr, flush=True)

    agreement = [results[n]["top_reason_agreement"] for n in agreement_sets]
    summary = {"sets": results, "mean_top_reason_agreement": float(np.mean(agreement)) if agreement else None}
    if a.json:
        print(json.dumps(summary, indent=1))
        return
    print(f"{'data set':<24}{'planted: 1st / top-3 (teacher)':>32}{'(student)':>18}{'agree':>8}"
          f"{'explain/row teacher':>22}{'student':>12}")
    for name, e in results.items():
        fmt = lambda v: f"{v:.3f}" if v is not None else "–"
        planted_t = f"{fmt(e.get('teacher_planted_first'))} / {fmt(e.get('teacher_planted_top3'))}" if "planted_rows" in e else "–"
        planted_s = f"{fmt(e.get('student_planted_first'))} / {fmt(e.get('student_planted_top3'))}" if "planted_rows" in e else "–"
        ns = lambda v: "–" if v is None else (f"{v / 1000:.1f} µs" if v >= 1000 else f"{v:.0f} ns")
        print(f"{name:<24}{planted_t:>32}{planted_s:>18}{fmt(e.get('top_reason_agreement')):>8}"
              f"{ns(e.get('teacher_explain_ns_per_row')):>22}{ns(e.get('student_explain_ns_per_row')):>12}")
    print(f"mean top-reason agreement over {len(agreement)} sets: {summary['mean_top_reason_agreement']:.3f}")


if __name__ == "__main__":
    main()
