#!/usr/bin/env python3
"""How far a teacher agrees with itself: top-k overlap between the test scores of the same teacher fitted with
different seeds, next to its student's top-k overlap with it (issue 11's fidelity bar).

For each set of the peers' splits, `ad-bench detectors --detector ensemble --dump` fits the default teacher with
each seed on the training rows (contamination = the training anomaly ratio, as `ad-bench distill` does) and writes
its test scores; the overlap of two seeds' top k test rows uses the k of the fidelity report (contamination × test
rows, rounded, at least 1). Every pair of seeds is averaged. A student is judged against one seed of its teacher:
where two seeds of the teacher share 90% of their top k, that is what an equally good teacher would score.

Usage: Scripts/teacher-stability.py [--splits DIR] [--seeds 0,1,2] [--only a,b] [--trees N] [--no-build]
Needs: numpy, pandas, scikit-learn (for the split files).
"""
import argparse
import itertools
import json
import os
import subprocess
import tempfile

import numpy as np
import pandas as pd

from bench_common import AD_BENCH, DISTILLATION_SETS, build, ensure_splits

BAR_SETS = ",".join(DISTILLATION_SETS)


def top(scores, k):
    return set(np.argsort(-scores, kind="stable")[:k])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "splits"))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--only", default=BAR_SETS)
    parser.add_argument("--trees", type=int, help="the isolation-forest member's trees (default: the product's)")
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    ensure_splits(args.splits)
    if not args.no_build:
        build()
    binary = AD_BENCH
    seeds = [int(s) for s in args.seeds.split(",")]
    names = args.only.split(",")
    with tempfile.TemporaryDirectory() as dump:
        for seed in seeds:
            command = [binary, "detectors", "--splits", args.splits, "--detector", "ensemble", "--seed", str(seed),
                       "--only", args.only, "--json", "--dump", dump]
            if args.trees:
                command += ["--trees", str(args.trees)]
            subprocess.run(command, check=True, capture_output=True)
        print(f"| set | k | teacher seed vs seed top-k overlap (mean of {len(seeds) * (len(seeds) - 1) // 2} pairs) |")
        print("|---|---|---|")
        overlaps = []
        for name in names:
            train = pd.read_csv(os.path.join(args.splits, name, "train.csv"), usecols=["label"])
            ratio = min(0.5, max(float(train["label"].mean()), 1e-6))
            scores = {s: np.fromfile(os.path.join(dump, f"{name}.ensemble.s{s}.test.f32"), dtype=np.float32)
                      for s in seeds}
            k = max(1, int(round(ratio * len(scores[seeds[0]]))))
            pairs = [len(top(scores[a], k) & top(scores[b], k)) / k for a, b in itertools.combinations(seeds, 2)]
            overlaps.append(float(np.mean(pairs)))
            print(f"| {name} | {k} | {overlaps[-1]:.3f} |")
        print(f"| **mean** | | {np.mean(overlaps):.3f} |")
        print(json.dumps({"mean_teacher_self_overlap": float(np.mean(overlaps)), "trees": args.trees}))


if __name__ == "__main__":
    main()
