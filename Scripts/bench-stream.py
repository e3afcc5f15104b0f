#!/usr/bin/env python3
"""A windowed student scoring a sensor stream through `score`, next to river's online rate, in one run.

The stream: `skab_valve1.csv` repeated to `--rows` rows (1,000,000 by default) with one timestamp a second, written
as pandas writes floats (full precision). The student: `run --detector pca --window 10 --fp-rate 0.01`, trained on
`skab_anomaly_free.csv`. Each `score` run reads the file, keeps the last 10 readings of the 8 sensors as state,
computes the 32 windowed features, scores every row and writes the output file; wall time of the whole process.
river: `HalfSpaceTrees(n_trees=25, height=15, window_size=250)` after `MinMaxScaler`, `score_one` then `learn_one`
on the first `--river-rows` rows of the same stream (as `../shared/peers/anchors.md`).

Usage: python3 Scripts/bench-stream.py [--binary PATH] [--rows 1000000] [--runs 3] [--river-rows 20000]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import pandas as pd

from sensor_common import BINARY, DATA


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=BINARY)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--river-rows", type=int, default=20_000)
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"no binary at {args.binary}: swift build -c release --product anomaly-distill")
    valve = pd.read_csv(os.path.join(DATA, "skab_valve1.csv"))
    repeats = -(-args.rows // len(valve))
    stream = pd.concat([valve] * repeats, ignore_index=True).iloc[:args.rows]
    stream["datetime"] = pd.date_range("2021-01-01", periods=len(stream), freq="s").strftime("%Y-%m-%d %H:%M:%S")
    with tempfile.TemporaryDirectory() as folder:
        data, model = os.path.join(folder, "stream.csv"), os.path.join(folder, "student.safetensors")
        stream.to_csv(data, index=False)
        subprocess.run([args.binary, "run", "--detector", "pca", "--window", "10", "--fp-rate", "0.01",
                        "--data", os.path.join(DATA, "skab_anomaly_free.csv"), "--test-fraction", "0",
                        "--out", model, "--quiet"], check=True, capture_output=True)
        rates = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([args.binary, "score", "-m", model, data, "--output", os.path.join(folder, "out.csv")],
                           check=True)
            rates.append(len(stream) / (time.perf_counter() - start))
        print("anomaly-distill score, windowed student (10 readings × 8 sensors): "
              + ", ".join(f"{r / 1e6:.2f}" for r in rates) + f" M rows/s over {len(stream):,} rows ({os.path.getsize(data) / 1e6:.0f} MB)")
    try:
        from river import anomaly, compose, preprocessing
    except ImportError:
        sys.exit("river is not installed (pip install river): no peer rate")
    columns = [c for c in stream.columns if c not in ("datetime", "label")]
    records = stream[columns].iloc[:args.river_rows].to_dict("records")
    hst = compose.Pipeline(preprocessing.MinMaxScaler(),
                           anomaly.HalfSpaceTrees(n_trees=25, height=15, window_size=250, seed=0))
    start = time.perf_counter()
    for row in records:
        hst.score_one(row)
        hst.learn_one(row)
    river = len(records) / (time.perf_counter() - start)
    print(f"river HalfSpaceTrees, score_one + learn_one: {river:,.0f} rows/s over {len(records):,} rows")
    print(f"ratio: {min(rates) / river:,.0f}× to {max(rates) / river:,.0f}×")


if __name__ == "__main__":
    main()
