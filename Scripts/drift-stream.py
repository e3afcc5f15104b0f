#!/usr/bin/env python3
"""Adaptive re-distillation on a stream with a change of regime, next to a static student and river, in one run.

The stream (built from the shared SKAB files, in order): `skab_anomaly_free.csv` (9,405 rows of normal operation
of the rig), then `skab_valve1.csv` (18,160 rows of 16 later experiments, 35% anomalous). The rig's operating point
moves between the two (the volume flow, for one, drops from about 122 to 32), so a detector fitted on the first
part calls the whole second part anomalous. `--second other` uses `skab_other.csv` instead.

Every detector sees the rows in order and scores each row before it learns from it (prequential, test-then-train);
the first `--warmup` rows only train. Labels are never used for training; they judge the scores at the end.

- **static**: `run --detector pca --window 10 --fp-rate 0.01` on the warm-up rows; its student scores the rest.
- **adaptive**: the same student, scoring the stream in blocks of `--block` rows with `score`; after each block,
  `adapt` refits the teacher on the last `--recent` rows and re-distils the student from its old weights. The
  rows it learns from are those the current student did not flag (recent normal operation), unless it flagged
  more than half of them (the regime changed: its flags say nothing), then all of them.
- **river**: `HalfSpaceTrees(n_trees=25, height=15, window_size=250, seed=0)` after `MinMaxScaler` (river 0.26,
  as `../shared/peers/anchors.md`), `score_one` then `learn_one` per row.

Reports prequential ROC-AUC on all scored rows and on the second file's rows, and the time each took.

Usage: python3 Scripts/drift-stream.py [--binary PATH] [--second valve1|other] [--block 1000] [--recent 2000]
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np
import pandas as pd

from sensor_common import BINARY, DATA, roc_auc, run


def score(binary, model, frame, folder):
    data, out = os.path.join(folder, "block.csv"), os.path.join(folder, "scores.csv")
    frame.to_csv(data, index=False)
    run(binary, "score", "--model", model, data, "--columns", "score,is_anomaly", "--output", out)
    scored = pd.read_csv(out)
    # (score − threshold) / σ_train, the logit of the model's probability: one scale for successive models.
    info = json.loads(run(binary, "inspect", model, "--json"))["metadata"]
    z = (scored["score"].to_numpy() - info["threshold"]) / max(info["calibration"]["score_deviation"], 1e-12)
    return z, scored["is_anomaly"].to_numpy()


def student(binary, train, model, folder, args):
    path = os.path.join(folder, "train.csv")
    train.to_csv(path, index=False)
    run(binary, "run", "--detector", args.detector, "--window", str(args.window), "--fp-rate", str(args.fp_rate),
        "--data", path, "--test-fraction", "0", "--seed", str(args.seed), "--out", model, "--quiet")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=BINARY)
    parser.add_argument("--files", default="skab_anomaly_free,skab_valve1",
                        help="the shared data files joined into the stream, in order (without .csv)")
    parser.add_argument("--detector", default="pca")
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--fp-rate", type=float, default=0.01)
    parser.add_argument("--warmup", type=int, default=2000)
    parser.add_argument("--block", type=int, default=1000)
    parser.add_argument("--recent", type=int, default=2000)
    parser.add_argument("--drift", type=float, default=0,
                        help="add a linear drift of this many standard deviations to the first three sensors")
    parser.add_argument("--step", action="store_true", help="with --drift: a jump at the middle, not a ramp")
    parser.add_argument("--seed", type=int, default=0, help="seeds the teacher, the students and river")
    parser.add_argument("--trim", type=float, default=0, help="adapt --trim: the share of recent rows left out of the refit")
    parser.add_argument("--no-river", action="store_true")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"no binary at {args.binary}: swift build -c release --product anomaly-distill")
    files = [pd.read_csv(os.path.join(DATA, f"{name}.csv")) for name in args.files.split(",")]
    first = files[0]
    stream = pd.concat(files, ignore_index=True)
    time_column = next((c for c in stream.columns if c in ("datetime", "timestamp")), "timestamp")
    if time_column not in stream.columns:
        stream.insert(0, time_column, "")
    if args.drift:
        # Calibration drift: the first three sensors move linearly, over the stream, by `--drift` standard deviations
        # of their warm-up values (normal and anomalous rows alike: the operating point moves); with `--step`, they
        # jump by that much at the middle of the stream instead.
        ramp = np.linspace(0, 1, len(stream)) if not args.step else (np.arange(len(stream)) >= len(stream) // 2) * 1.0
        for column in [c for c in stream.columns if c not in (time_column, "label")][:3]:
            stream[column] = stream[column] + ramp * args.drift * stream[column].iloc[:args.warmup].std()
    # One time line: each file's rows continue after the previous file's, so the window does not restart at a join
    # (the regime change is what is measured).
    stream[time_column] = pd.date_range("2020-01-01", periods=len(stream), freq="s").strftime("%Y-%m-%d %H:%M:%S")
    labels = stream["label"].to_numpy()
    warm = args.warmup
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        base = os.path.join(folder, "static.safetensors")
        start = time.perf_counter()
        student(args.binary, stream.iloc[:warm], base, folder, args)
        fit_seconds = time.perf_counter() - start
        # The windows must see the rows before each block: score from the start of the stream, keep the rest.
        start = time.perf_counter()
        static_scores = score(args.binary, base, stream, folder)[0][warm:]
        results["static student"] = (static_scores, fit_seconds + time.perf_counter() - start)

        model = os.path.join(folder, "adaptive.safetensors")
        run_model = base
        adaptive, adapt_seconds, adapts = [], 0.0, 0
        start = time.perf_counter()
        for begin in range(warm, len(stream), args.block):
            end = min(begin + args.block, len(stream))
            # Score the block with the windows filled by the rows just before it.
            lead = max(0, begin - args.window)
            scores, flags = score(args.binary, run_model, stream.iloc[lead:end], folder)
            adaptive.append(scores[begin - lead:])
            if end == len(stream):
                break
            recent_begin = max(0, end - args.recent)
            recent = stream.iloc[recent_begin:end]
            recent_flags = score(args.binary, run_model, recent, folder)[1]
            normal = recent[recent_flags == 0] if (recent_flags == 1).mean() <= 0.5 else recent
            if len(normal) < 4 * args.window:
                continue
            path = os.path.join(folder, "recent.csv")
            normal.to_csv(path, index=False)
            t = time.perf_counter()
            run(args.binary, "adapt", "--model", run_model, "--data", path, "--out", model, "--seed", str(args.seed),
                "--trim", str(args.trim))
            adapt_seconds += time.perf_counter() - t
            adapts += 1
            run_model = model
        results["adaptive student"] = (np.concatenate(adaptive), fit_seconds + time.perf_counter() - start)

        if not args.no_river:
            try:
                from river import anomaly, compose, preprocessing
            except ImportError:
                print("river is not installed: its row is skipped (pip install river)", file=sys.stderr)
            else:
                columns = [c for c in stream.columns if c not in (time_column, "label")]
                records = stream[columns].to_dict("records")
                hst = compose.Pipeline(preprocessing.MinMaxScaler(),
                                       anomaly.HalfSpaceTrees(n_trees=25, height=15, window_size=250, seed=args.seed))
                start = time.perf_counter()
                for row in records[:warm]:
                    hst.learn_one(row)
                river_scores = []
                for row in records[warm:]:
                    river_scores.append(hst.score_one(row))
                    hst.learn_one(row)
                results["river HalfSpaceTrees"] = (np.array(river_scores), time.perf_counter() - start)

    scored = labels[warm:]
    in_second = np.arange(warm, len(stream)) >= len(first)
    parts = ", then ".join(f"{name} ({len(f):,} rows, {int(f['label'].sum()):,} anomalous)"
                           for name, f in zip(args.files.split(","), files))
    print(f"Stream: {parts}; warm-up {warm:,} rows; {args.detector} teacher, windows of "
          f"{args.window}, --fp-rate {args.fp_rate}; adaptive: blocks of {args.block:,}, {adapts} adaptations on the "
          f"last {args.recent:,} rows, {adapt_seconds / max(adapts, 1):.2f} s each")
    print(f"{'detector':24} {'ROC-AUC all':>12} {'after 1st file':>17} {'seconds':>8} {'rows/s':>10}")
    for name, (values, seconds) in results.items():
        after = roc_auc(scored[in_second], values[in_second]) if len(files) > 1 else float("nan")
        print(f"{name:24} {roc_auc(scored, values):12.3f} {after:17.3f} {seconds:8.1f} {len(values) / seconds:10,.0f}")


if __name__ == "__main__":
    main()
