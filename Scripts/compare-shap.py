#!/usr/bin/env python3
"""Our explanations vs SHAP's KernelExplainer, on the same rows, timed side by side (issue: explanations).

On cardio's split files (or --set NAME): `anomaly-distill run` distils the default student and `export` writes it
as ONNX. Then, for the ROWS most anomalous test rows (by the student):
  - SHAP KernelExplainer (background: the training median row, as our integrated gradients use) on
      (a) PyOD's IForest (default settings, seed 0) fitted on the training split — `decision_function`;
      (b) our exported student through ONNX Runtime — its `score` output;
    timed per row (nsamples = SHAP's default, 2·d + 2048);
  - `anomaly-distill bench --json`'s explain_ns_per_row for the student (every column's contribution, in-process).
Also reports how often SHAP's top feature on the student equals our reason_1 (same model, two methods).

Usage: compare-shap.py [--bin anomaly-distill] [--shared ../shared] [--set cardio] [--rows 20]
Needs: pip install shap pyod onnxruntime pandas scikit-learn.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")


def run(*args):
    return subprocess.run(list(args), check=True, capture_output=True, text=True).stdout


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default=os.path.join(here, "..", ".build", "release", "anomaly-distill"))
    p.add_argument("--shared", default=os.path.join(here, "..", "..", "shared"))
    p.add_argument("--set", default="cardio")
    p.add_argument("--rows", type=int, default=20)
    a = p.parse_args()

    import onnxruntime as ort
    import shap
    from pyod.models.iforest import IForest

    work = tempfile.mkdtemp(prefix="compare-shap-")
    os.makedirs(os.path.join(work, "data"))
    os.symlink(os.path.join(os.path.abspath(a.shared), "data", a.set + ".csv"), os.path.join(work, "data", a.set + ".csv"))
    run(sys.executable, os.path.join(a.shared, "peers", "make_splits.py"), os.path.join(work, "data"), os.path.join(work, "splits"))
    train_csv, test_csv = (os.path.join(work, "splits", a.set, f) for f in ("train.csv", "test.csv"))
    student, onnx_path = os.path.join(work, "student.safetensors"), os.path.join(work, "student.onnx")
    run(a.bin, "run", "--train", train_csv, "--test", test_csv, "--out", student, "--quiet")
    run(a.bin, "export", "-m", student, "-o", onnx_path)

    train, test = pd.read_csv(train_csv), pd.read_csv(test_csv)
    features = [c for c in train.columns if c != "label"]
    x_train, x_test = train[features].to_numpy(np.float64), test[features].to_numpy(np.float64)
    ours = [json.loads(line) for line in run(a.bin, "score", "-m", student, test_csv, "--format", "jsonl",
                                             "--explain", "1").splitlines()]
    order = np.argsort([-o["score"] for o in ours])[: a.rows]
    rows = x_test[order]
    background = np.median(x_train, axis=0, keepdims=True)

    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]

    def student_score(x):
        x = np.asarray(x, dtype=np.float32)
        return session.run(["score"], {n: x[:, [j]] for j, n in enumerate(names)})[0]

    forest = IForest(random_state=0).fit(x_train)
    results = {}
    for label, function in [("PyOD IForest", forest.decision_function), ("our student via ONNX Runtime", student_score)]:
        explainer = shap.KernelExplainer(function, background)
        start = time.perf_counter()
        values = explainer.shap_values(rows, silent=True)
        seconds = (time.perf_counter() - start) / len(rows)
        results[label] = (seconds, np.asarray(values))
    bench = json.loads(run(a.bin, "bench", "-m", student, "--data", test_csv, "--json", "--batch-rows", "1000",
                           "--seconds", "0.3"))
    ours_ns = bench["explain_ns_per_row"]
    shap_student = results["our student via ONNX Runtime"][1]
    same = np.mean([features[int(np.argmax(shap_student[i]))] == ours[order[i]]["reasons"][0]["column"]
                    for i in range(len(order))])

    print(f"{a.set}: {len(order)} most anomalous test rows, {len(features)} features; SHAP {shap.__version__}, "
          f"ONNX Runtime {ort.__version__}")
    print(f"{'explainer':<52}{'per row':>14}{'vs ours':>12}")
    print(f"{'anomaly-distill explain (student, integrated gradients)':<52}{ours_ns / 1000:>11.2f} µs{'':>12}")
    for label, (seconds, _) in results.items():
        print(f"{'SHAP KernelExplainer on ' + label:<52}{seconds * 1000:>11.1f} ms{seconds * 1e9 / ours_ns:>11,.0f}×")
    print(f"SHAP's top feature on the student = our reason_1 for {same:.0%} of the rows")


if __name__ == "__main__":
    main()
