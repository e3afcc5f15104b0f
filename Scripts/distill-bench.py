#!/usr/bin/env python3
"""Teacher vs distilled student on the shared splits, with the issue-4 bars, and the ablation table.

Builds `ad-bench` (release), writes the peers' splits if needed, runs `ad-bench distill` per data set
and prints per set: teacher and student test ROC-AUC, fidelity (Spearman, top-k overlap, decision
agreement), parameters and batch speed-up; then the means and the bars:
  student ROC-AUC >= teacher - 0.01 on average and >= teacher - 0.03 on every set; top-k overlap
  >= 0.85 on average; student >= 20x faster per row in batches and >= 10x fewer parameters; and,
  for an IForest or autoencoder teacher, fidelity above the SUOD-style baseline (peers/fidelity.jsonl); and issue 11's:
  top-k overlap >= 0.95 on average and >= 0.85 on every set, student F1 at its threshold >= teacher F1 - 0.02 on
  every set, student - teacher ROC-AUC >= 0 on average (run with --only and the 11 distillation sets).

With --capacity: what the top-k bar costs. On the 11 distillation sets, one teacher fit per set and the same seed, the
default student beside probes at the cap (50,000) and wider students (CAPACITY below); per variant the mean and
lowest top-k overlap, student - teacher ROC-AUC, the worst F1 gap, and the parameter ratio and batch speed-up against
the teacher (issue 4's bars: >= 10x fewer parameters, >= 20x faster on every set).

Usage: Scripts/distill-bench.py [--teacher ensemble|iforest|autoencoder|...] [--only a,b] [--ablation | --capacity]
       [--splits DIR] [--no-build] [extra ad-bench distill options after --]
"""
import argparse
import json
import os
import subprocess

from bench_common import AD_BENCH, DISTILLATION_SETS, SHARED, build, ensure_splits

BASELINE_TEACHER = {"iforest": "IForest", "autoencoder": "AutoEncoder"}
ABLATION = [
    ("no augmentation", ["--augment", "none"]),
    ("jitter only", ["--augment", "jitter"]),
    ("mixup only", ["--augment", "mixup"]),
    ("uniform only", ["--augment", "uniform"]),
    ("all probes (default)", []),
    ("T = 1", ["--temperature", "1"]),
    ("T = 4", ["--temperature", "4"]),
    ("T = 8", ["--temperature", "8"]),
    ("score matching", ["--objective", "score-matching"]),
    ("with labels, alpha 0.5", ["--labels", "--alpha", "0.5"]),
]
CAPACITY = ["", "--probe-ratio 50", "--probe-ratio 50 --student mlp:64,32", "--probe-ratio 50 --student mlp:128,64",
            "--probe-ratio 50 --student mlp:256,128"]


def run(bench, splits, teacher, only, extra):
    command = [bench, "distill", "--splits", splits, "--teacher", teacher] + extra
    if only:
        command += ["--only", only]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def mean(values):
    return sum(values) / len(values) if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "splits"))
    parser.add_argument("--teacher", default="ensemble")
    parser.add_argument("--only", default=None)
    parser.add_argument("--ablation", action="store_true")
    parser.add_argument("--capacity", action="store_true")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("extra", nargs="*")
    args = parser.parse_args()
    ensure_splits(args.splits)
    if not args.no_build:
        build()
    bench = AD_BENCH
    baseline = {}
    with open(os.path.join(SHARED, "peers", "fidelity.jsonl")) as handle:
        for line in handle:
            record = json.loads(line)
            baseline[(record["dataset"], record["teacher"])] = record

    if args.capacity:
        rows = run(bench, args.splits, args.teacher, args.only or ",".join(DISTILLATION_SETS),
                   args.extra + ["--variants", ";".join(CAPACITY)])
        print(f"## What the top-k bar costs, teacher {args.teacher} ({len(rows) // len(CAPACITY)} sets)\n")
        print("| student | mean top-k | lowest set | student − teacher ROC-AUC | worst F1 gap | params, teacher / "
              "student (min) | batch speed-up (min) | distill s (mean) |")
        print("|---|---|---|---|---|---|---|---|")
        for variant in CAPACITY:
            vs = [r for r in rows if r["variant"] == variant]
            low = min(vs, key=lambda r: r["top_k_overlap"])
            f1 = min(vs, key=lambda r: r["student_f1"] - r["teacher_f1"])
            print(f"| {variant or 'default (ratio 2)'} | {mean([r['top_k_overlap'] for r in vs]):.3f} | "
                  f"{low['dataset']} {low['top_k_overlap']:.3f} | "
                  f"{mean([r['student_roc_auc'] - r['teacher_roc_auc'] for r in vs]):+.4f} | "
                  f"{f1['dataset']} {f1['student_f1'] - f1['teacher_f1']:+.3f} | "
                  f"{min(r['teacher_parameters'] / r['student_parameters'] for r in vs):.1f}x | "
                  f"{min(r['student_rows_per_s'] / r['teacher_rows_per_s'] for r in vs):.1f}x | "
                  f"{mean([r['distill_s'] for r in vs]):.1f} |", flush=True)
        return

    if args.ablation:
        print(f"## Ablation, teacher {args.teacher} (means over the data sets)\n")
        print("| variant | teacher AUC | student AUC | worst set ΔAUC | Spearman | top-k overlap | agreement |")
        print("|---|---|---|---|---|---|---|")
        for label, extra in ABLATION:
            rows = run(bench, args.splits, args.teacher, args.only, extra + args.extra)
            worst = min(r["student_roc_auc"] - r["teacher_roc_auc"] for r in rows)
            print(f"| {label} | {mean([r['teacher_roc_auc'] for r in rows]):.3f} | {mean([r['student_roc_auc'] for r in rows]):.3f} "
                  f"| {worst:+.3f} | {mean([r['spearman'] for r in rows]):.3f} | {mean([r['top_k_overlap'] for r in rows]):.3f} "
                  f"| {mean([r['decision_agreement'] for r in rows]):.3f} |", flush=True)
        return

    rows = run(bench, args.splits, args.teacher, args.only, args.extra)
    peer = BASELINE_TEACHER.get(args.teacher)
    print(f"## Teacher {args.teacher} vs default student (test rows)\n")
    header = "| data set | teacher AUC | student AUC | Δ | Spearman | top-k | agreement | params T/S | speed-up |"
    if peer:
        header += f" SUOD-style ({peer}) Spearman / top-k / agreement |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for r in rows:
        line = (f"| {r['dataset']} | {r['teacher_roc_auc']:.3f} | {r['student_roc_auc']:.3f} | "
                f"{r['student_roc_auc'] - r['teacher_roc_auc']:+.3f} | {r['spearman']:.3f} | {r['top_k_overlap']:.3f} | "
                f"{r['decision_agreement']:.3f} | {r['teacher_parameters']}/{r['student_parameters']} | "
                f"{r['student_rows_per_s'] / r['teacher_rows_per_s']:.0f}x |")
        b = baseline.get((r["dataset"], peer)) if peer else None
        if peer:
            line += f" {b['spearman']:.3f} / {b['topk_overlap']:.3f} / {b['decision_agreement']:.3f} |" if b else " – |"
        print(line)
    deltas = [r["student_roc_auc"] - r["teacher_roc_auc"] for r in rows]
    speedups = [r["student_rows_per_s"] / r["teacher_rows_per_s"] for r in rows]
    ratios = [r["teacher_parameters"] / r["student_parameters"] for r in rows]
    print(f"| mean ({len(rows)} sets) | {mean([r['teacher_roc_auc'] for r in rows]):.3f} | "
          f"{mean([r['student_roc_auc'] for r in rows]):.3f} | {mean(deltas):+.3f} | {mean([r['spearman'] for r in rows]):.3f} | "
          f"{mean([r['top_k_overlap'] for r in rows]):.3f} | {mean([r['decision_agreement'] for r in rows]):.3f} | "
          f"min {min(ratios):.0f}x | min {min(speedups):.0f}x |")
    bars = {
        "student AUC >= teacher - 0.01 on average": mean(deltas) >= -0.01,
        "student AUC >= teacher - 0.03 on every set": min(deltas) >= -0.03,
        "top-k overlap >= 0.85 on average": mean([r["top_k_overlap"] for r in rows]) >= 0.85,
        ">= 20x faster per row in batches (every set)": min(speedups) >= 20,
        ">= 10x fewer parameters (every set)": min(ratios) >= 10,
    }
    if all("student_f1" in r for r in rows):
        # Issue 11's bars for the default run (meant for its 11 distillation sets: pass --only).
        f1_gaps = [r["student_f1"] - r["teacher_f1"] for r in rows]
        worst_f1 = min(rows, key=lambda r: r["student_f1"] - r["teacher_f1"])
        print(f"\nF1 at each model's own threshold, student − teacher: mean {mean(f1_gaps):+.3f}, worst "
              f"{worst_f1['dataset']} {min(f1_gaps):+.3f}")
        bars["issue 11: top-k overlap >= 0.95 on average"] = mean([r["top_k_overlap"] for r in rows]) >= 0.95
        bars["issue 11: top-k overlap >= 0.85 on every set"] = min(r["top_k_overlap"] for r in rows) >= 0.85
        bars["issue 11: student F1 >= teacher F1 - 0.02 on every set"] = min(f1_gaps) >= -0.02
        bars["issue 11: student - teacher ROC-AUC >= 0.000 on average"] = mean(deltas) >= 0
    if peer:
        matched = [(r, baseline[(r["dataset"], peer)]) for r in rows if (r["dataset"], peer) in baseline]
        ours_s, base_s = mean([r["spearman"] for r, _ in matched]), mean([b["spearman"] for _, b in matched])
        ours_k, base_k = mean([r["top_k_overlap"] for r, _ in matched]), mean([b["topk_overlap"] for _, b in matched])
        print(f"\nSUOD-style baseline on the same {len(matched)} sets: Spearman {base_s:.3f} (ours {ours_s:.3f}), "
              f"top-k {base_k:.3f} (ours {ours_k:.3f})")
        bars["fidelity above the SUOD-style baseline on average"] = ours_s > base_s and ours_k > base_k
    print()
    for name, ok in bars.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")


if __name__ == "__main__":
    main()
