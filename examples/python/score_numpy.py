#!/usr/bin/env python3
"""Score a CSV with an AnomalyDistill model file in plain NumPy: a reference for `anomaly-distill score`.

    python3 score_numpy.py MODEL.safetensors ROWS.csv [-o OUT.csv] [--check SCORES.csv]

The model file is a safetensors file: the weights are tensors in PyTorch's layouts and names
(`network.layers.<i>.weight` is [out, in], as torch.nn.Linear's), and the header's `__metadata__` holds one JSON
document under `anomaly_distill` with the kind, the schema, the preprocessing (per feature: numeric median, center
and scale, or the categories of a one-hot column), the architecture (the layers, in order), the threshold and the
calibration (the training scores' standard deviation). This script reads both with `safetensors` and NumPy and
computes what `score` computes, in float32:

  numeric x   -> missing ("", NA, NaN, ?, ...) ? (q(median) - center) / scale : (q(x) - center) * (1 / scale),
                 q the feature's quantile map when it has one ("quantiles": knot values and levels; numpy.interp
                 between the knots, the end levels outside them), the identity otherwise
  categorical -> one-hot over the categories plus an "unseen" slot; a missing value is all zeros
  network     -> dense (x @ W.T + b), batch norm (running statistics), activation; dropout does nothing
  score       -> students / supervised network: the network's one output; autoencoder: mean over its networks of
                 ||u - net(u)|| with u = (v - input_mean) / input_scale; Deep SVDD: ||net(v) - centre||^2
  probability -> sigmoid((score - threshold) / score_deviation); is_anomaly -> score > threshold (in float32)

With --check, compares with `anomaly-distill score`'s output for the same rows and exits 1 if a score differs by
more than 1e-4 * max(1, |score|) or a decision differs (float32 sums in another order differ in the last bits).
Needs: numpy, safetensors (pip install numpy safetensors).
"""
import argparse
import csv
import json
import sys

import numpy as np
from safetensors import safe_open

MISSING = {"", "NA", "N/A", "NaN", "nan", "NAN", "NULL", "null", "?"}


def load(path):
    with safe_open(path, framework="np") as handle:
        metadata = json.loads(handle.metadata()["anomaly_distill"])
        tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    return metadata, tensors


def read_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    return header, rows


def preprocess(metadata, header, rows):
    """The model's input matrix, float32, one row per CSV row."""
    position = {name: i for i, name in enumerate(header)}
    blocks = []
    for feature in metadata["preprocessing"]["features"]:
        kind, spec = next(iter(feature.items()))
        name = spec["name"]
        if name not in position:
            sys.exit(f"{name}: a feature column that the rows file lacks")
        values = [row[position[name]] for row in rows]
        if kind == "numeric":
            center, scale, median = spec["center"], spec["scale"], spec["median"]
            x = np.array([np.nan if v in MISSING else float(v) for v in values], dtype=np.float32)
            quantiles = spec.get("quantiles")
            if quantiles:
                knots = np.array(quantiles["values"], dtype=np.float32)
                levels = np.array(quantiles["levels"], dtype=np.float32)
                mapped = np.interp(x, knots, levels).astype(np.float32)
                median = float(np.interp(np.float32(median), knots, levels))
            else:
                mapped = x
            v = (mapped - np.float32(center)) * np.float32(1 / scale)
            v[np.isnan(x)] = np.float32((median - center) / scale)
            blocks.append(v[:, None])
        else:
            categories = spec["categories"]
            slot = {c: i for i, c in enumerate(categories)}
            onehot = np.zeros((len(values), len(categories) + 1), dtype=np.float32)
            for r, v in enumerate(values):
                if v not in MISSING:
                    onehot[r, slot.get(v, len(categories))] = 1
            blocks.append(onehot)
    return np.hstack(blocks)


def forward(architecture, tensors, prefix, x):
    """The network in inference mode."""
    for i, layer in enumerate(architecture["layers"]):
        kind, spec = next(iter(layer.items()))
        name = f"{prefix}layers.{i}."
        if kind == "dense":
            x = x @ tensors[name + "weight"].T
            if spec.get("bias", True):
                x = x + tensors[name + "bias"]
        elif kind == "batchNorm":
            x = (x - tensors[name + "running_mean"]) / np.sqrt(tensors[name + "running_var"] + np.float32(spec["epsilon"]))
            x = x * tensors[name + "weight"] + tensors[name + "bias"]
        elif kind == "activation":
            function, arguments = next(iter(spec["_0"].items()))
            if function == "relu":
                x = np.maximum(x, 0)
            elif function == "leakyReLU":
                x = np.where(x > 0, x, x * np.float32(arguments["slope"]))
            elif function == "tanh":
                x = np.tanh(x)
            elif function == "sigmoid":
                x = 1 / (1 + np.exp(-x))
        elif kind != "dropout":
            sys.exit(f"layer {i}: {kind} is not a layer this script knows")
        x = x.astype(np.float32)
    return x


def score(metadata, tensors, v):
    kind = metadata["kind"]
    architecture = metadata["architecture"]
    if kind in ("student_mlp", "student_linear", "supervised_network"):
        return forward(architecture["network"], tensors, "network.", v)[:, 0]
    if kind == "deep_svdd":
        embedding = forward(architecture["network"], tensors, "network.", v)
        return ((embedding - tensors["centre"]) ** 2).sum(axis=1)
    if kind == "autoencoder":
        u = ((v - tensors["input_mean"]) / tensors["input_scale"]).astype(np.float32)
        count = architecture.get("networks") or 1
        prefixes = ["network."] if count == 1 and "networks" not in architecture else [f"networks.{i}." for i in range(count)]
        distances = [np.sqrt(((u - forward(architecture["network"], tensors, p, u)) ** 2).sum(axis=1)) for p in prefixes]
        return (sum(distances) / np.float32(len(distances))).astype(np.float32)
    sys.exit(f"a model of kind {kind} is not scored by this script (networks only)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("rows")
    parser.add_argument("-o", "--output", help="write score,probability,is_anomaly here (default: standard output)")
    parser.add_argument("--check", metavar="SCORES.csv", help="compare with `anomaly-distill score`'s output")
    args = parser.parse_args()

    metadata, tensors = load(args.model)
    header, rows = read_rows(args.rows)
    scores = score(metadata, tensors, preprocess(metadata, header, rows)).astype(np.float32)
    threshold = metadata["threshold"]
    t32 = np.float32(threshold)
    if float(t32) > threshold:  # the largest float32 not above the threshold, as the Swift scorer compares
        t32 = np.nextafter(t32, np.float32(-np.inf))
    deviation = metadata["calibration"].get("score_deviation") or 1.0
    probability = 1 / (1 + np.exp((np.float64(t32) - scores.astype(np.float64)) / np.float32(deviation)))
    flagged = scores > t32

    if args.check:
        _, expected = read_rows(args.check)
        want = np.array([float(r[0]) for r in expected])
        want_flagged = np.array([r[2].strip().lower() in ("1", "true") for r in expected])
        error = np.abs(scores - want) / np.maximum(1, np.abs(want))
        differ = int((flagged != want_flagged).sum())
        print(f"{metadata['kind']}: {len(rows)} rows, largest relative score difference {error.max():.2e}, "
              f"{differ} decisions differ")
        return 0 if error.max() <= 1e-4 and differ == 0 else 1

    out = open(args.output, "w", newline="") if args.output else sys.stdout
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["score", "probability", "is_anomaly"])
    for s, p, f in zip(scores, probability, flagged):
        writer.writerow([f"{s:.9g}", f"{p:.9g}", 1 if f else 0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
