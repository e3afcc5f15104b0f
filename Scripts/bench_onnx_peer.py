#!/usr/bin/env python3
"""Peer side of Scripts/bench-onnx.sh: ONNX Runtime scoring the model `anomaly-distill export` wrote.

    bench_onnx_peer.py MODEL.onnx ROWS.csv SCORES.csv [--batch-rows 100000] [--seconds 1]

Feeds the exported graph as a data frame does: one [N, 1] array per column (float32 for numeric columns, object
strings for categorical ones). First checks the scores against SCORES.csv (`anomaly-distill score` on ROWS.csv),
then times, single-threaded (intra_op_num_threads = inter_op_num_threads = 1, all graph optimisations):
  - single-row calls: median and p99 ns over many `session.run` calls of one row (the feeds prepared beforehand);
  - batch: one call on --batch-rows rows (the rows tiled), best pass, rows/s; also with 2 intra-op threads.
Prints one JSON object.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_scoring_peers import best_of, per_call  # noqa: E402  (the same timing as the other scoring peers)
from check_onnx import feeds, read_columns  # noqa: E402


def session(path, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("rows")
    p.add_argument("scores")
    p.add_argument("--batch-rows", type=int, default=100_000)
    p.add_argument("--seconds", type=float, default=1.0)
    a = p.parse_args()

    one = session(a.model, 1)
    columns = read_columns(a.rows)
    full = feeds(one, columns)
    n = len(next(iter(full.values())))
    score = one.run(["score"], full)[0]
    want = np.array(read_columns(a.scores)["score"], dtype=np.float64)
    error = float((np.abs(score - want) / np.maximum(1, np.abs(want))).max())

    singles = [{name: value[r:r + 1] for name, value in full.items()} for r in range(n)]
    median, p99, calls = per_call(lambda feed: one.run(["score", "probability", "is_anomaly"], feed), singles, a.seconds)
    repeat = a.batch_rows // n + 1
    batch = {name: np.concatenate([value] * repeat)[:a.batch_rows] for name, value in full.items()}
    outputs = ["score", "probability", "is_anomaly"]
    batch_1 = a.batch_rows / best_of(lambda: one.run(outputs, batch), 3, 1.0)
    two = session(a.model, 2)
    batch_2 = a.batch_rows / best_of(lambda: two.run(outputs, batch), 3, 1.0)
    print(json.dumps({
        "onnxruntime": ort.__version__, "numpy": np.__version__, "python": sys.version.split()[0],
        "rows": n, "inputs": len(one.get_inputs()), "max_relative_score_error": error,
        "single_row_ns": median, "single_row_p99_ns": p99, "single_row_calls": calls,
        "batch_rows": a.batch_rows, "batch_rows_per_second": batch_1, "batch_rows_per_second_2_threads": batch_2,
    }))


if __name__ == "__main__":
    main()
