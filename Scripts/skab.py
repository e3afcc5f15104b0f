#!/usr/bin/env python3
"""SKAB (Skoltech Anomaly Benchmark) with anomaly-distill, next to its peers, in one run.

Two protocols on the shared files (../shared/data/skab_*.csv; see its README for the sources):

1. **Novelty, anomaly-free training** (the issue's ROC-AUC bar): fit on `skab_anomaly_free.csv` (normal operation
   of the rig), score `skab_valve1`, `skab_valve2` and `skab_other`, ROC-AUC per file. Peers in the same run:
   scikit-learn `PCA(0.95)` reconstruction error Q and `IsolationForest(random_state=0)`, trained the same way.

2. **SKAB's outlier-detection protocol** (its baseline notebooks, e.g. `notebooks/Conv-AE.ipynb` at waico/SKAB):
   each of the 34 experiments (16 valve1, 4 valve2, 14 other) is its own problem. The first 400 rows of an
   experiment (anomaly-free in every experiment) train the detector (`fit --train`), the threshold comes from a
   false-positive budget on them (`--fp-rate`, SKAB's upper control limit on the training residuals), and every
   row of the experiment is scored (`score`). The 0/1 predictions of all experiments are concatenated and compared
   with SKAB's `anomaly` column: F1, FAR (false alarms / normal rows) and MAR (missed / anomalous rows), as
   SKAB's `evaluating(..., metric='binary')`. The leaderboard's figures (SKAB README, outlier detection, out of
   the box) are printed beside ours; they come from the notebooks, not from this run.
   The shared files join the experiments in order; their row counts are in the data README and below.
   `--decision skab` replaces our threshold by the decision rule of SKAB's Conv-AE notebook, with its constants
   (see `skab_decisions`): the limit is the 0.999 quantile of the training rows' scores times 4/3, and a row is
   an anomaly when it and the next 58 rows are all over it. The leaderboard's Conv-AE figures were made with it.

Usage: python3 Scripts/skab.py [--binary PATH] [--detectors pca,iforest] [--fp-rate 0.01] [--window N
       [--window-features stats|lags]] [--decision threshold|skab] [--seed S] [--protocol-only] [--json OUT]
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import pandas as pd

from sensor_common import BINARY, DATA, roc_auc, run


# Rows per experiment, in file order (../shared/data/README.md).
EXPERIMENTS = {
    "valve1": [1147, 1145, 1075, 1148, 1095, 1154, 1154, 1094, 1144, 1148, 1146, 1141, 1140, 1140, 1139, 1150],
    "valve2": [1125, 1063, 1129, 995],
    "other": [745, 780, 1137, 1191, 1155, 1147, 1090, 1147, 1144, 1327, 1190, 1048, 923, 905],
}
LEADERBOARD = {  # SKAB README, outlier detection, out-of-the-box algorithms: F1, FAR %, MAR %
    "Conv-AE": (0.79, 13.69, 17.77), "MSET": (0.73, 20.82, 20.08), "LSTM-AE": (0.68, 14.24, 35.56),
    "T2+Q (PCA)": (0.67, 13.95, 36.32), "Vanilla AE": (0.45, 7.55, 66.60), "Isolation forest": (0.40, 6.86, 72.09),
}
TRAIN_ROWS = 400
# --decision skab: the decision rule of SKAB's Conv-AE notebook (notebooks/Conv_AE.ipynb at waico/SKAB), constants
# as published there: the upper control limit is the 0.999 quantile of the training rows' scores times 4/3, and a row
# is an anomaly only when the scores of it and the next PERSISTENCE - 2 rows all exceed it (the notebook flags row i
# when every window of 60 readings containing it, but the one starting at it, is over the limit; our score of a row
# is the window ending at it). Offline: it looks 58 rows ahead.
SKAB_QUANTILE, SKAB_FACTOR, PERSISTENCE = 0.999, 4 / 3, 60


def skab_decisions(scores, window):
    """SKAB's Conv-AE decision rule on one experiment's scores (the first TRAIN_ROWS are its training rows). The limit
    comes from the training rows whose window is whole, as the notebook's training windows are (`window` readings;
    1 without windows)."""
    limit = np.quantile(scores[window - 1:TRAIN_ROWS], SKAB_QUANTILE) * SKAB_FACTOR
    over = scores > limit
    n, span = len(scores), PERSISTENCE - 1
    flags = np.zeros(n, dtype=int)
    # The notebook's loop: rows PERSISTENCE - 1 up to (windows - PERSISTENCE + 1), windows = n - PERSISTENCE + 1.
    for i in range(PERSISTENCE - 1, n - 2 * PERSISTENCE + 2):
        if over[i:i + span].all():
            flags[i] = 1
    return flags


def scores_of(binary, model, data, folder):
    out = os.path.join(folder, "scores.csv")
    run(binary, "score", "--model", model, data, "--columns", "score,is_anomaly", "--output", out)
    frame = pd.read_csv(out)
    return frame["score"].to_numpy(), frame["is_anomaly"].to_numpy()


WINDOW = []  # --window N [--window-features F], from the command line
SEED = [0]  # --seed


def detector_args(name, fp_rate):
    """`name` is a detector, optionally with its own options after colons: `autoencoder:--epochs:50`."""
    name, *options = name.split(":")
    return ["--detector", name, *options, "--fp-rate", str(fp_rate), "--seed", str(SEED[0]), "--quiet", *WINDOW]


def novelty(binary, detectors, fp_rate, folder):
    train = os.path.join(DATA, "skab_anomaly_free.csv")
    rows = {}
    for name in detectors:
        model = os.path.join(folder, "novelty.safetensors")
        run(binary, "fit", *detector_args(name, fp_rate), "--train", train,
            "--test", os.path.join(DATA, "skab_valve1.csv"), "--out", model)
        rows[f"anomaly-distill {name}"] = {
            f: roc_auc(pd.read_csv(os.path.join(DATA, f"skab_{f}.csv"))["label"],
                       scores_of(binary, model, os.path.join(DATA, f"skab_{f}.csv"), folder)[0])
            for f in EXPERIMENTS}
    for name in detectors:
        # The student distilled from the same teacher (run), next to it, on each test file.
        teacher_row, student_row = {}, {}
        for f in EXPERIMENTS:
            output = json.loads(run(binary, "run", *detector_args(name, fp_rate), "--train", train,
                                    "--test", os.path.join(DATA, f"skab_{f}.csv"),
                                    "--out", os.path.join(folder, "student.safetensors"), "--json"))
            teacher_row[f] = output["teacher_test"]["roc_auc"]
            student_row[f] = output["student_test"]["roc_auc"]
        rows[f"  run: teacher {name}"] = teacher_row
        rows[f"  run: student of {name}"] = student_row
    try:
        from sklearn.decomposition import PCA
        from sklearn.ensemble import IsolationForest
        from sklearn.preprocessing import StandardScaler
    except ImportError:
        print("scikit-learn is not installed: the peer rows are skipped (pip install scikit-learn)", file=sys.stderr)
        return rows
    frame = pd.read_csv(train)
    columns = [c for c in frame.columns if c not in ("datetime", "label")]
    scaler = StandardScaler().fit(frame[columns])
    pca = PCA(0.95).fit(scaler.transform(frame[columns]))
    forest = IsolationForest(random_state=0).fit(scaler.transform(frame[columns]))
    pca_row, forest_row = {}, {}
    for f in EXPERIMENTS:
        test = pd.read_csv(os.path.join(DATA, f"skab_{f}.csv"))
        z = scaler.transform(test[columns])
        q = ((z - pca.inverse_transform(pca.transform(z))) ** 2).sum(axis=1)
        pca_row[f] = roc_auc(test["label"], q)
        forest_row[f] = roc_auc(test["label"], -forest.score_samples(z))
    rows["scikit-learn PCA(0.95) Q"] = pca_row
    rows["scikit-learn IsolationForest"] = forest_row
    return rows


def skab_protocol(binary, detectors, fp_rate, folder, decision="threshold", window=1):
    """`window`: the readings in each model's window (1 without), for SKAB's rule."""
    results = {}
    experiments = []
    for f, counts in EXPERIMENTS.items():
        frame = pd.read_csv(os.path.join(DATA, f"skab_{f}.csv"))
        if sum(counts) != len(frame):
            sys.exit(f"skab_{f}.csv has {len(frame)} rows, the README's experiments {sum(counts)}")
        start = 0
        for i, count in enumerate(counts):
            experiments.append((f"{f}/{i}", frame.iloc[start:start + count]))
            start += count
    for name in detectors:
        predicted, truth, aucs = [], [], []
        for key, frame in experiments:
            train = os.path.join(folder, "train.csv")
            test = os.path.join(folder, "test.csv")
            frame.iloc[:TRAIN_ROWS].to_csv(train, index=False)
            frame.to_csv(test, index=False)
            model = os.path.join(folder, "experiment.safetensors")
            run(binary, "fit", *detector_args(name, fp_rate), "--train", train, "--test", test, "--out", model)
            scores, flags = scores_of(binary, model, test, folder)
            predicted.append(skab_decisions(scores, window) if decision == "skab" else flags)
            truth.append(frame["label"].to_numpy())
            if 0 < truth[-1].sum() < len(truth[-1]):
                aucs.append(roc_auc(truth[-1], scores))
        p, y = np.concatenate(predicted), np.concatenate(truth)
        tp, fp = int(((p == 1) & (y == 1)).sum()), int(((p == 1) & (y == 0)).sum())
        fn, tn = int(((p == 0) & (y == 1)).sum()), int(((p == 0) & (y == 0)).sum())
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        results[name] = {"f1": f1, "far": 100 * fp / (fp + tn), "mar": 100 * fn / (fn + tp),
                         "mean_experiment_roc_auc": float(np.mean(aucs)), "experiments": len(experiments)}
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=BINARY)
    parser.add_argument("--detectors", default="pca,iforest,ecod")
    parser.add_argument("--fp-rate", type=float, default=0.01)
    parser.add_argument("--window", type=int, help="fit every detector on windows of this many readings")
    parser.add_argument("--window-features", default="stats", help="stats or lags")
    parser.add_argument("--decision", choices=["threshold", "skab"], default="threshold",
                        help="protocol 2's decisions: the model's threshold (--fp-rate), or SKAB's Conv-AE rule")
    parser.add_argument("--seed", type=int, default=0, help="every fit's seed")
    parser.add_argument("--protocol-only", action="store_true", help="skip part 1 (anomaly-free training)")
    parser.add_argument("--json")
    args = parser.parse_args()
    SEED[0] = args.seed
    if args.window:
        WINDOW.extend(["--window", str(args.window), "--window-features", args.window_features])
    if not os.path.exists(os.path.join(DATA, "skab_anomaly_free.csv")):
        sys.exit(f"no SKAB data under {DATA} (set ANOMALY_DISTILL_DATA)")
    if not os.path.exists(args.binary):
        sys.exit(f"no binary at {args.binary}: swift build -c release --product anomaly-distill")
    detectors = [d for d in args.detectors.split(",") if d]
    with tempfile.TemporaryDirectory() as folder:
        rows = {} if args.protocol_only else novelty(args.binary, detectors, args.fp_rate, folder)
        protocol = skab_protocol(args.binary, detectors, args.fp_rate, folder, args.decision, args.window or 1)
    if rows:
        print(f"1. Trained on skab_anomaly_free.csv: test ROC-AUC ({'windows of %d readings' % args.window if args.window else 'no windows'}"
              "; the scikit-learn peers have none)")
        print(f"{'model':34} {'valve1':>7} {'valve2':>7} {'other':>7} {'mean':>7}")
    for model, row in rows.items():
        values = [row[f] for f in EXPERIMENTS]
        print(f"{model:34} " + " ".join(f"{v:7.3f}" for v in values) + f" {np.mean(values):7.3f}")
    window = f"windows of {args.window} readings ({args.window_features})" if args.window else "no windows"
    print(f"\n2. SKAB outlier-detection protocol: 34 experiments, first {TRAIN_ROWS} rows train, "
          + (f"threshold at --fp-rate {args.fp_rate}" if args.decision == "threshold" else
             f"SKAB's Conv-AE rule (limit {SKAB_QUANTILE} quantile x 4/3, {PERSISTENCE - 1} rows over it)")
          + f", {window}")
    print(f"{'model':34} {'F1':>6} {'FAR %':>7} {'MAR %':>7} {'mean ROC-AUC':>13}")
    for name, r in protocol.items():
        print(f"{'anomaly-distill ' + name:34} {r['f1']:6.2f} {r['far']:7.2f} {r['mar']:7.2f} "
              f"{r['mean_experiment_roc_auc']:13.3f}")
    for name, (f1, far, mar) in LEADERBOARD.items():
        print(f"{'leaderboard ' + name:34} {f1:6.2f} {far:7.2f} {mar:7.2f} {'–':>13}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"anomaly_free": rows, "skab_protocol": protocol, "fp_rate": args.fp_rate}, out, indent=1)


if __name__ == "__main__":
    main()
