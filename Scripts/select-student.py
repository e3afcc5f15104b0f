#!/usr/bin/env python3
"""Choose the default student's transfer-set size, temperature and width by the defaults protocol, report both halves.

The protocol of Scripts/select-defaults.py (issue 11), applied to how the student is distilled:
1. Data sets and halves: the same 22 sets (the 19 shared ones and three from scikit-learn) and the same halves,
   fixed by the SHA-256 of each set's name.
2. Candidates, fixed before any result was seen: the default (uniform and tail probes, twice as many as the training
   rows, T = 2, widths from the feature count), and probe ratios 5, 10 and 20, ratio 10 with T = 1, ratio 10 with
   widths 64, 32. One `ad-bench distill --variants` run per seed fits the default teacher once per set and distils
   every candidate from it with the same seed; seeds 0, 1 and 2.
3. Eligibility: the candidate's student must still pass issue 12's planted-anomaly bar on cardio (a selection set):
   the planted column first for ≥ 90% of the rows and in the top three for ≥ 97% (`Scripts/bench-explain.py`).
4. Choice: the eligible candidate with the best seed-averaged mean top-k overlap on the selection half challenges
   the default and replaces it only if its gain is more than twice the standard error of the per-set paired
   differences (the incumbent rule of select-defaults.py). Nothing measured on the report half feeds the choice.
5. Report: per half and per set, seed-averaged top-k overlap, Spearman, student − teacher ROC-AUC and distillation
   seconds; then the issue's 11 distillation sets (they straddle both halves).
   Round 2 (`--candidates ";--probe-ratio 50" --seeds 0,1,2,3,4 --work DIR2`): probes at the cap (50,000 for every
   set of 1,000 training rows or more) against the default, five seeds to cut the small sets' noise. Not blind:
   this candidate was picked after round 1 (ratio 20 led it) and after its seed-0 figures on the 11 distillation
   sets, six of which are selection sets, had been seen; the incumbent rule still decides.
6. The student's threshold, by the same rule: re-fitted at the contamination on its training scores, or its logit's
   zero (the teacher's threshold); judged on decision agreement with the teacher, on the default candidate's
   students of step 2 (see `threshold_stage`).

Usage: Scripts/select-student.py [--work DIR] [--seeds 0,1,2] [--no-build] [--candidates "DEFAULT;OPTS;…"]
Needs: numpy, scikit-learn, pandas; the release CLI for the planted check (`swift build -c release`).
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np

from bench_common import AD_BENCH, DISTILLATION_SETS, ROOT, build

CANDIDATES = ["", "--probe-ratio 5", "--probe-ratio 10", "--probe-ratio 20", "--probe-ratio 10 --temperature 1",
              "--probe-ratio 10 --student mlp:64,32"]
BAR_SETS = DISTILLATION_SETS


def protocol():
    spec = importlib.util.spec_from_file_location("select_defaults", os.path.join(ROOT, "Scripts", "select-defaults.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def name(candidate):
    return candidate or "default (ratio 2, T = 2)"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "select-student"))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--candidates", default=None,
                        help="semicolon-separated candidates, the default first (default: round 1's six; see the README "
                             "for round 2: '--candidates \";--probe-ratio 50\" --seeds 0,1,2,3,4')")
    args = parser.parse_args()
    candidates = args.candidates.split(";") if args.candidates is not None else CANDIDATES
    if candidates[0] != "":
        parser.error("the first candidate must be the default (an empty string)")
    seeds = [int(s) for s in args.seeds.split(",")]
    os.makedirs(args.work, exist_ok=True)
    defaults = protocol()
    if not args.no_build:
        build(cli=True)
    binary = AD_BENCH
    splits, names = defaults.prepare_splits(args.work)
    select, report = defaults.halves(names)

    rows = {}  # (candidate, set) -> [records over seeds]
    for seed in seeds:
        cache = os.path.join(args.work, f"variants.s{seed}.jsonl")
        if not os.path.isfile(cache):
            out = defaults.bench(binary, "distill", "--splits", splits, "--seed", str(seed),
                                 "--variants", ";".join(candidates))
            with open(cache, "w") as handle:
                handle.writelines(json.dumps(r) + "\n" for r in out)
        with open(cache) as handle:
            for record in map(json.loads, handle):
                rows.setdefault((record["variant"].strip(), record["dataset"]), []).append(record)

    def mean_of(candidate, sets, key):
        return float(np.mean([np.mean([key(r) for r in rows[(candidate, n)]]) for n in sets]))

    topk = lambda r: r["top_k_overlap"]
    gap = lambda r: r["student_roc_auc"] - r["teacher_roc_auc"]
    eligible = []
    print("## Candidates (default teacher, seeds " + ", ".join(map(str, seeds)) + ")\n")
    print("| candidate | cardio planted first / top 3 | selection top-k | selection Spearman | selection student − "
          "teacher ROC-AUC | selection distill s (sum) |")
    print("|---|---|---|---|---|---|")
    for i, candidate in enumerate(candidates):
        cache = os.path.join(args.work, f"planted.{i}.json")
        if not os.path.isfile(cache):
            out = subprocess.run([sys.executable, os.path.join(ROOT, "Scripts", "bench-explain.py"), "--json",
                                  "--planted", "cardio", "--agreement", "", "--", *candidate.split()],
                                 check=True, capture_output=True, text=True).stdout
            with open(cache, "w") as handle:
                handle.write(out)
        with open(cache) as handle:
            cardio = json.load(handle)["sets"]["cardio"]
        first, top3 = cardio["student_planted_first"], cardio["student_planted_top3"]
        if first >= 0.90 and top3 >= 0.97:
            eligible.append(candidate)
        seconds = sum(np.mean([r["distill_s"] for r in rows[(candidate, n)]]) for n in select)
        print(f"| {name(candidate)} | {first:.3f} / {top3:.3f}{'' if candidate in eligible else ' (not eligible)'} | "
              f"{mean_of(candidate, select, topk):.4f} | {mean_of(candidate, select, lambda r: r['spearman']):.4f} | "
              f"{mean_of(candidate, select, gap):+.4f} | {seconds:.0f} |")

    challenger = max(eligible, key=lambda c: mean_of(c, select, topk))
    differences = np.array([np.mean([topk(r) for r in rows[(challenger, n)]]) - np.mean([topk(r) for r in rows[("", n)]])
                            for n in select])
    gain, error = differences.mean(), differences.std(ddof=1) / np.sqrt(len(differences))
    chosen = challenger if challenger and gain > 2 * error else ""
    print(f"\nBest eligible challenger: {name(challenger)}: selection top-k gain {gain:+.4f}, standard error of the "
          f"paired differences {error:.4f}; chosen: {name(chosen)}\n")

    print("## Per set, seed-averaged: default → chosen\n")
    print("| half | set | k | top-k | Spearman | student − teacher ROC-AUC | distill s |")
    print("|---|---|---|---|---|---|---|")
    for half, sets in (("selection", select), ("report", report)):
        for n in sets:
            a, b = rows[("", n)], rows[(chosen, n)]
            m = lambda rs, key: np.mean([key(r) for r in rs])
            print(f"| {half} | {n} | {a[0]['k']} | {m(a, topk):.3f} → {m(b, topk):.3f} | "
                  f"{m(a, lambda r: r['spearman']):.3f} → {m(b, lambda r: r['spearman']):.3f} | "
                  f"{m(a, gap):+.3f} → {m(b, gap):+.3f} | {m(a, lambda r: r['distill_s']):.1f} → "
                  f"{m(b, lambda r: r['distill_s']):.1f} |")
        print(f"| {half} | **mean** | | {mean_of('', sets, topk):.4f} → {mean_of(chosen, sets, topk):.4f} | "
              f"{mean_of('', sets, lambda r: r['spearman']):.4f} → {mean_of(chosen, sets, lambda r: r['spearman']):.4f} | "
              f"{mean_of('', sets, gap):+.4f} → {mean_of(chosen, sets, gap):+.4f} | |")
    print("\n## The issue's 11 distillation sets, seed-averaged\n")
    print("| candidate | mean top-k | lowest set | mean student − teacher ROC-AUC | per seed top-k |")
    print("|---|---|---|---|---|")
    for candidate in candidates:
        per_set = {n: np.mean([topk(r) for r in rows[(candidate, n)]]) for n in BAR_SETS}
        low = min(per_set, key=per_set.get)
        per_seed = [np.mean([rows[(candidate, n)][i]["top_k_overlap"] for n in BAR_SETS]) for i in range(len(seeds))]
        print(f"| {name(candidate)} | {np.mean(list(per_set.values())):.4f} | {low} {per_set[low]:.3f} | "
              f"{mean_of(candidate, BAR_SETS, gap):+.4f} | {' / '.join(f'{v:.3f}' for v in per_seed)} |")
    with open(os.path.join(args.work, "student.json"), "w") as handle:
        json.dump({"chosen": chosen, "gain": gain, "error": error}, handle)
    threshold_stage({n: rows[("", n)] for n in names}, select, report, seeds)


def threshold_stage(rows, select, report, seeds):
    """The student's threshold: re-fitted at the contamination on its own training scores (the previous rule) or
    its logit's zero, which is where the teacher's threshold maps (ℓ = (s − threshold) / spread). Criterion, fixed
    before the run: decision agreement with the teacher on the test rows, selection half, seed-averaged, with the
    incumbent rule; F1 at each model's own threshold is reported beside it. `rows` are the default candidate's
    records per set (one per seed): `ad-bench distill` reports both thresholds for every student."""
    rules = {"re-fitted at the contamination (previous)": ("decision_agreement", "student_f1"),
             "the logit's zero": ("decision_agreement_at_zero", "student_f1_at_zero")}
    m = lambda n, key: float(np.mean([r[key] for r in rows[n]]))
    print("\n## The student's threshold (default student, seeds " + ", ".join(map(str, seeds)) + ")\n")
    print("| rule | selection decision agreement | selection F1 − teacher's, mean / worst | report decision agreement "
          "| report F1 − teacher's, mean / worst |")
    print("|---|---|---|---|---|")
    for rule, (agree, f1) in rules.items():
        cells = []
        for sets in (select, report):
            gaps = [m(n, f1) - m(n, "teacher_f1") for n in sets]
            cells += [f"{np.mean([m(n, agree) for n in sets]):.4f}", f"{np.mean(gaps):+.4f} / {min(gaps):+.4f}"]
        print(f"| {rule} | " + " | ".join(cells) + " |")
    differences = np.array([m(n, "decision_agreement_at_zero") - m(n, "decision_agreement") for n in select])
    gain, error = differences.mean(), differences.std(ddof=1) / np.sqrt(len(differences))
    print(f"\nThe logit's zero: selection agreement gain {gain:+.4f}, standard error {error:.4f}: "
          + ("it replaces the re-fitted threshold." if gain > 2 * error else "within noise, the re-fitted threshold stays."))
    print("\n| set (the issue's 11) | F1 teacher | student, re-fitted | student, logit's zero |")
    print("|---|---|---|---|")
    for n in BAR_SETS:
        print(f"| {n} | {m(n, 'teacher_f1'):.3f} | {m(n, 'student_f1'):.3f} | {m(n, 'student_f1_at_zero'):.3f} |")


if __name__ == "__main__":
    main()
