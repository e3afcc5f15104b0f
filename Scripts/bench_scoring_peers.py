#!/usr/bin/env python3
"""Peer side of Scripts/bench-scoring.sh: the same student MLP, scored by ONNX Runtime and NumPy from Python.

Loads a student written by `anomaly-distill run` (our weights and our preprocessing, read from the
.safetensors file with numpy: 8-byte little-endian header length, JSON header, raw tensors), builds an
ONNX graph with onnx.helper (opset 17):

    x float32 [N, F] raw features -> Sub(center) -> Div(scale) -> Gemm -> Relu -> ... -> Gemm -> score [N, 1]

Missing-value imputation (x missing -> the training median) is left out of the timing graph: the
benchmark data (cardio) has no missing values, and the script refuses data that has any. Categorical
features are not supported (cardio has none).

Checks that ONNX Runtime's scores of the data rows agree with `anomaly-distill score` to 1e-4, then times,
single-threaded (intra_op_num_threads = inter_op_num_threads = 1):
  - ORT single-row calls: median (and p99) over many `session.run` calls of one [1, F] row, ns per call;
  - ORT batch throughput: one call on --batch-rows rows (the data rows tiled), best pass, rows/s
    (also with 2 intra-op threads, for comparison with our batch path, which uses both cores);
  - NumPy single-row: the same MLP in numpy, median ns per call;
  - with --rows-csv BIG.csv: pandas.read_csv(BIG.csv), best of --repeats, rows/s.

Usage: bench_scoring_peers.py --model M --data CSV [--rows-csv BIG.csv] [--json] [--bin anomaly-distill]
With --json only a JSON object goes to standard output (progress goes to standard error).
"""
import argparse
import io
import json
import os
import statistics
import struct
import subprocess
import sys
import time

# One thread for NumPy's BLAS too (set before numpy loads it).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
from onnx import TensorProto, helper, numpy_helper

DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def load_student(path):
    """Returns (metadata, [(weight [out, in], bias [out]), ...], feature list)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    base = 8 + n
    meta = json.loads(header["__metadata__"]["anomaly_distill"])
    if meta.get("kind") != "student_mlp":
        sys.exit(f"{path}: expected a student_mlp, found kind {meta.get('kind')!r}")

    def tensor(name):
        info = header[name]
        start, end = info["data_offsets"]
        return np.frombuffer(blob[base + start : base + end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])

    # Dense layers in network order. The tensor names are `network.layers.<i>.weight` in the current format
    # (`network.<i>.weight` in the brief); accept both, ordered by the layer index.
    dense = {}
    for name in header:
        if name == "__metadata__" or not name.endswith(".weight") or not name.startswith("network."):
            continue
        index = int(name[: -len(".weight")].rsplit(".", 1)[1])
        dense[index] = (tensor(name).astype(np.float32), tensor(name[: -len("weight")] + "bias").astype(np.float32))
    layers = [dense[i] for i in sorted(dense)]
    # The architecture must be dense / relu / dense / relu / ... / dense, as the graph below assumes.
    kinds = [next(iter(l)) for l in meta["architecture"]["network"]["layers"]]
    expected = ["dense"] + ["activation", "dense"] * (len(layers) - 1)
    if kinds != expected:
        sys.exit(f"{path}: unsupported layer sequence {kinds}")
    for l in meta["architecture"]["network"]["layers"]:
        if "activation" in l and "relu" not in l["activation"]["_0"]:
            sys.exit(f"{path}: unsupported activation {l['activation']}")
    features = meta["preprocessing"]["features"]
    if any("numeric" not in f for f in features):
        sys.exit(f"{path}: categorical features are not supported by this benchmark")
    return meta, layers, [f["numeric"] for f in features]


def build_onnx(layers, features):
    width = len(features)
    center = np.array([f["center"] for f in features], dtype=np.float32)
    scale = np.array([f["scale"] for f in features], dtype=np.float32)
    inits = [numpy_helper.from_array(center, "center"), numpy_helper.from_array(scale, "scale")]
    nodes = [helper.make_node("Sub", ["x", "center"], ["centered"]), helper.make_node("Div", ["centered", "scale"], ["h0"])]
    current = "h0"
    for i, (w, b) in enumerate(layers):
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        last = i == len(layers) - 1
        out = "score" if last else f"z{i}"
        nodes.append(helper.make_node("Gemm", [current, f"w{i}", f"b{i}"], [out], transB=1))
        if not last:
            nodes.append(helper.make_node("Relu", [out], [f"h{i + 1}"]))
            current = f"h{i + 1}"
    graph = helper.make_graph(
        nodes, "anomaly_distill_student",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", width])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="bench_scoring_peers")
    model.ir_version = min(model.ir_version, 9)  # readable by older runtimes too
    onnx.checker.check_model(model, full_check=True)
    return model, center, scale


def session(model, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def per_call(fn, rows, seconds, max_calls=200_000):
    """Median and p99 ns of single calls fn(row), cycling through rows, for about `seconds`."""
    for i in range(min(2000, max(200, len(rows)))):
        fn(rows[i % len(rows)])
    times = []
    clock = time.perf_counter_ns
    deadline = clock() + int(seconds * 1e9)
    i = 0
    while (len(times) < 1000 or clock() < deadline) and len(times) < max_calls:
        row = rows[i]
        start = clock()
        fn(row)
        times.append(clock() - start)
        i += 1
        if i == len(rows):
            i = 0
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))], len(times)


def best_of(fn, passes, seconds):
    best, total, n = float("inf"), 0.0, 0
    while n < passes or (total < seconds and n < 50):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        best, total, n = min(best, elapsed), total + elapsed, n + 1
    return best


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True, help="CSV with the model's feature columns (a header)")
    p.add_argument("--rows-csv", help="a large CSV to time pandas.read_csv on")
    p.add_argument("--repeats", type=int, default=3, help="read_csv passes (best counts)")
    p.add_argument("--batch-rows", type=int, default=100_000)
    p.add_argument("--seconds", type=float, default=1.0, help="time each single-row measurement for this long")
    p.add_argument("--bin", default=os.environ.get("ANOMALY_DISTILL",
                   os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "anomaly-distill")))
    p.add_argument("--save-onnx", help="also write the ONNX model here")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()

    meta, layers, features = load_student(a.model)
    model, center, scale = build_onnx(layers, features)
    if a.save_onnx:
        onnx.save(model, a.save_onnx)
    shape = "→".join([str(layers[0][0].shape[1])] + [str(w.shape[0]) for w, _ in layers])
    parameters = sum(w.size + b.size for w, b in layers)

    frame = pd.read_csv(a.data)
    names = [f["name"] for f in features]
    missing = [n for n in names if n not in frame.columns]
    if missing:
        sys.exit(f"{a.data}: missing feature columns {missing}")
    x = frame[names].to_numpy(dtype=np.float32)
    if np.isnan(x).any():
        sys.exit(f"{a.data}: has missing values; the timing graph does not impute (see the docstring)")

    # Correctness: ORT against `anomaly-distill score` on the same file.
    single = session(model, 1)
    ort_scores = single.run(None, {"x": x})[0][:, 0]
    out = subprocess.run([a.bin, "score", "-m", a.model, a.data], check=True, capture_output=True, text=True).stdout
    cli = pd.read_csv(io.StringIO(out))
    if len(cli) != len(x):
        sys.exit(f"anomaly-distill score wrote {len(cli)} rows for {len(x)} input rows")
    diff = float(np.max(np.abs(cli["score"].to_numpy(dtype=np.float64) - ort_scores.astype(np.float64))))
    agree = diff <= 1e-4
    log(f"correctness: ORT vs `anomaly-distill score` on {len(x)} rows: max |Δscore| = {diff:.3g} "
        f"({'PASS' if agree else 'FAIL'}, tolerance 1e-4)")
    # And the NumPy MLP against ORT (same weights, float32).
    def numpy_mlp(batch):
        h = (batch - center) / scale
        for i, (w, b) in enumerate(layers):
            h = h @ w.T + b
            if i < len(layers) - 1:
                h = np.maximum(h, 0)
        return h
    numpy_diff = float(np.max(np.abs(numpy_mlp(x)[:, 0] - ort_scores)))
    log(f"correctness: NumPy vs ORT: max |Δscore| = {numpy_diff:.3g}")

    rows = [x[i : i + 1].copy() for i in range(len(x))]
    feed = {"x": None}

    def ort_one(row):
        feed["x"] = row
        return single.run(None, feed)

    log("timing ORT single-row calls ...")
    ort_med, ort_p99, ort_n = per_call(ort_one, rows, a.seconds)
    log("timing NumPy single-row calls ...")
    np_med, np_p99, np_n = per_call(numpy_mlp, rows, a.seconds)

    batch = np.ascontiguousarray(np.resize(x, (a.batch_rows, x.shape[1])))
    log(f"timing ORT batch ({a.batch_rows:,} rows per call) ...")
    ort_batch_1 = a.batch_rows / best_of(lambda: single.run(None, {"x": batch}), 3, 1.0)
    double = session(model, 2)
    ort_batch_2 = a.batch_rows / best_of(lambda: double.run(None, {"x": batch}), 3, 1.0)
    np_batch = a.batch_rows / best_of(lambda: numpy_mlp(batch), 3, 0.5)

    result = {
        "model": a.model, "shape": shape, "parameters": int(parameters), "rows": len(x),
        "versions": {"onnxruntime": ort.__version__, "onnx": onnx.__version__, "numpy": np.__version__,
                     "pandas": pd.__version__, "python": sys.version.split()[0]},
        "max_abs_diff_vs_cli": diff, "agree_1e-4": agree, "max_abs_diff_numpy_vs_ort": numpy_diff,
        "ort_single_row_ns": ort_med, "ort_single_row_p99_ns": ort_p99, "ort_single_row_calls": ort_n,
        "numpy_single_row_ns": np_med, "numpy_single_row_p99_ns": np_p99, "numpy_single_row_calls": np_n,
        "batch_rows": a.batch_rows, "ort_batch_rows_per_second": ort_batch_1,
        "ort_batch_rows_per_second_2_threads": ort_batch_2, "numpy_batch_rows_per_second": np_batch,
    }

    if a.rows_csv:
        log(f"timing pandas.read_csv on {a.rows_csv} (best of {a.repeats}) ...")
        best, n = float("inf"), 0
        for _ in range(a.repeats):
            start = time.perf_counter()
            big = pd.read_csv(a.rows_csv)
            best = min(best, time.perf_counter() - start)
            n = len(big)
            del big
        result.update({"read_csv_rows": n, "read_csv_seconds": best, "read_csv_rows_per_second": n / best})

    if a.json:
        print(json.dumps(result, indent=2))
        return
    print(f"model {a.model}: {shape} ReLU MLP, {parameters:,} parameters; rows {len(x)} from {a.data}")
    print(f"ONNX Runtime {ort.__version__} (opset 17), NumPy {np.__version__}, one thread unless noted")
    print(f"{'measure':<44}{'value':>18}")
    print(f"{'max |Δscore| ORT vs anomaly-distill score':<44}{diff:>18.3g}")
    print(f"{'ORT single-row, median':<44}{ort_med / 1000:>15.2f} µs")
    print(f"{'ORT single-row, p99':<44}{ort_p99 / 1000:>15.2f} µs")
    print(f"{'NumPy single-row, median':<44}{np_med / 1000:>15.2f} µs")
    print(f"{f'ORT batch ({a.batch_rows:,} rows), 1 thread':<44}{ort_batch_1 / 1e6:>12.2f} M rows/s")
    print(f"{f'ORT batch ({a.batch_rows:,} rows), 2 threads':<44}{ort_batch_2 / 1e6:>12.2f} M rows/s")
    print(f"{f'NumPy batch ({a.batch_rows:,} rows)':<44}{np_batch / 1e6:>12.2f} M rows/s")
    if a.rows_csv:
        print(f"{'pandas read_csv ' + f'({n:,} rows)':<44}{result['read_csv_rows_per_second'] / 1e6:>12.2f} M rows/s")
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
