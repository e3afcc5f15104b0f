#!/usr/bin/env python3
"""Checks an exported ONNX model against `anomaly-distill score` on the same rows.

    check_onnx.py MODEL.onnx ROWS.csv SCORES.csv [--tolerance 1e-5] [--json]

MODEL.onnx  from `anomaly-distill export`; ROWS.csv  the rows (a header with the model's feature columns; other
columns are ignored); SCORES.csv  `anomaly-distill score -m MODEL.safetensors ROWS.csv` (score, probability,
is_anomaly). The model must pass `onnx.checker` (full check, with shape inference); ONNX Runtime scores the
rows column by column, as a data frame feeds it: float32 for numeric inputs (the CLI's missing tokens as NaN),
the raw text for string inputs. Scores must agree within TOLERANCE · max(1, |score|), probabilities within
TOLERANCE, and every is_anomaly must be equal. Prints a one-line summary (or JSON) and exits 1 on a mismatch.
"""
import argparse
import csv
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort

MISSING = {"", "NA", "N/A", "NaN", "nan", "NAN", "NULL", "null", "?"}


def read_columns(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = {name: [] for name in header}
        for row in reader:
            for name, value in zip(header, row):
                columns[name].append(value)
    return columns


def feeds(session, columns):
    result = {}
    for graph_input in session.get_inputs():
        values = columns.get(graph_input.name)
        if values is None:
            raise SystemExit(f"{graph_input.name}: a model input that the rows file lacks")
        if graph_input.type == "tensor(string)":
            result[graph_input.name] = np.array(values, dtype=object).reshape(-1, 1)
        else:
            result[graph_input.name] = np.array(
                [np.nan if v in MISSING else float(v) for v in values], dtype=np.float32).reshape(-1, 1)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("rows")
    parser.add_argument("scores")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    proto = onnx.load(args.model)
    onnx.checker.check_model(proto, full_check=True)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    columns = read_columns(args.rows)
    score, probability, flagged = session.run(["score", "probability", "is_anomaly"], feeds(session, columns))

    expected = read_columns(args.scores)
    want_score = np.array(expected["score"], dtype=np.float64)
    want_probability = np.array(expected["probability"], dtype=np.float64)
    want_flagged = np.array([v.strip().lower() in ("true", "1") for v in expected["is_anomaly"]])
    rows = len(want_score)
    if len(score) != rows:
        raise SystemExit(f"ONNX Runtime gave {len(score)} rows, score gave {rows}")
    score_error = np.abs(score.astype(np.float64) - want_score)
    relative = score_error / np.maximum(1.0, np.abs(want_score))
    probability_error = np.abs(probability.astype(np.float64) - want_probability)
    disagreements = int(np.sum(flagged != want_flagged))
    metadata = {p.key: p.value for p in proto.metadata_props}
    summary = {
        "model": args.model,
        "kind": metadata.get("anomaly_distill.kind"),
        "rows": rows,
        "inputs": len(session.get_inputs()),
        "string_inputs": sum(1 for i in session.get_inputs() if i.type == "tensor(string)"),
        "missing_values": int(sum(np.isnan(v).sum() for v in feeds(session, columns).values() if v.dtype == np.float32)),
        "max_score_error": float(score_error.max()) if rows else 0.0,
        "max_relative_score_error": float(relative.max()) if rows else 0.0,
        "max_probability_error": float(probability_error.max()) if rows else 0.0,
        "flagged": int(want_flagged.sum()),
        "decision_disagreements": disagreements,
    }
    ok = summary["max_relative_score_error"] <= args.tolerance and summary["max_probability_error"] <= args.tolerance \
        and disagreements == 0
    summary["ok"] = bool(ok)
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{'ok  ' if ok else 'FAIL'} {summary['kind']} {rows} rows, {summary['inputs']} inputs "
              f"({summary['string_inputs']} string, {summary['missing_values']} missing values): "
              f"score error ≤ {summary['max_score_error']:.2e} (relative {summary['max_relative_score_error']:.2e}), "
              f"probability error ≤ {summary['max_probability_error']:.2e}, "
              f"{disagreements} of {rows} decisions differ ({summary['flagged']} flagged)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
