#!/usr/bin/env python3
"""Test ROC-AUC of our classical detectors next to PyOD's, per shared data set.

Builds `ad-bench` (release, .build-bench), writes the shared train/test splits if needed, runs
`ad-bench detectors --splits DIR --detector D --json` for each detector and prints, per data set,
our test ROC-AUC, PyOD's (from peers/peers.jsonl, same splits and preprocessing) and the
difference, then the means and whether the bar holds: our mean >= PyOD's mean - 0.01 and no data
set worse by more than 0.05.

Usage: Scripts/compare-pyod.py [--splits DIR] [--peers DIR] [--detectors iforest,ecod,knn,autoencoder,deepsvdd,ensemble]
       [--members a,b] [--only set1,set2] [--run-pyod] [--no-build]

With --run-pyod it runs PyOD (pip: pyod, torch, tqdm) on the same splits with the peers protocol
instead of reading peers.jsonl; its figures reproduce the recorded ones.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER_NAMES = {"iforest": "IForest", "ecod": "ECOD", "knn": "KNN", "autoencoder": "AutoEncoder", "deepsvdd": "DeepSVDD"}
# Detectors without a PyOD counterpart are held to the best single PyOD detector's mean (the bar
# for the ensemble teacher) and listed next to PyOD's IForest per data set.
SINGLE_PEERS = ["IForest", "ECOD", "KNN", "LOF", "AutoEncoder", "DeepSVDD"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "splits"))
    shared = os.path.join(os.path.dirname(ROOT), "shared")
    parser.add_argument("--peers", default=os.path.join(shared, "peers"))
    parser.add_argument("--data", default=os.path.join(shared, "data"))
    parser.add_argument("--detectors", default="iforest,ecod,knn")
    parser.add_argument("--members", default=None, help="ensemble members, e.g. iforest,ecod,autoencoder")
    parser.add_argument("--normalization", default=None, help="ensemble: zscore or rank")
    parser.add_argument("--combination", default=None, help="ensemble: mean, max or aom")
    parser.add_argument("--seed", default="0")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--run-pyod", action="store_true",
                        help="run PyOD on the same splits now (pip pyod, torch) instead of reading peers.jsonl")
    parser.add_argument("--only", default=None, help="comma-separated data sets")
    args = parser.parse_args()

    if not os.path.isdir(args.splits) or not os.listdir(args.splits):
        subprocess.run([sys.executable, os.path.join(args.peers, "make_splits.py"), args.data, args.splits], check=True)
    if not args.no_build:
        env = dict(os.environ, ANOMALY_DISTILL_BENCHMARKS="1")
        subprocess.run(["swift", "build", "-c", "release", "--product", "ad-bench", "--scratch-path", ".build-bench"],
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    bench = os.path.join(ROOT, ".build-bench", "release", "ad-bench")

    peers = {}
    with open(os.path.join(args.peers, "peers.jsonl")) as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("status") == "ok" and record.get("roc_auc") is not None:
                peers[(record["dataset"], record["detector"])] = record

    if args.run_pyod:
        peers = run_pyod(args.splits, args.detectors.split(","), args.only)
    all_ok = True
    for detector in args.detectors.split(","):
        command = [bench, "detectors", "--splits", args.splits, "--detector", detector, "--json", "--seed", args.seed]
        if args.only:
            command += ["--only", args.only]
        if detector == "ensemble":
            for flag in ("members", "normalization", "combination"):
                if getattr(args, flag):
                    command += [f"--{flag}", getattr(args, flag)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        ours = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        if detector not in PEER_NAMES:
            all_ok &= best_single(detector, ours, peers)
            continue
        extra = detector == "ecod"
        print(f"\n## {detector} vs PyOD {PEER_NAMES[detector]} (test ROC-AUC)\n")
        header = f"| {'data set':<28} | {'n fit':>7} | {'ours':>6} | {'PyOD':>6} | {'diff':>7} | {'fit s':>7} | {'PyOD fit s':>10} | {'score s':>7} | {'PyOD score s':>12} |"
        if extra:
            header += " ours, PyOD's new-row rule | paper aggregation |"
        print(header)
        print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
        ours_aucs, peer_aucs, worst = [], [], (0.0, "")
        for record in ours:
            peer = peers.get((record["dataset"], PEER_NAMES[detector]))
            if peer is None:
                continue
            diff = record["roc_auc"] - peer["roc_auc"]
            ours_aucs.append(record["roc_auc"])
            peer_aucs.append(peer["roc_auc"])
            worst = min(worst, (diff, record["dataset"]))
            row = (f"| {record['dataset']:<28} | {record['n_fit']:>7} | {record['roc_auc']:6.3f} | {peer['roc_auc']:6.3f} | "
                   f"{diff:+7.3f} | {record['fit_s']:7.3f} | {peer['fit_s']:10.3f} | {record['score_s']:7.3f} | {peer['predict_s']:12.3f} |")
            if extra:
                row += f" {record['roc_auc_transductive']:25.3f} | {record['roc_auc_paper_aggregation']:17.3f} |"
            print(row)
        mean_ours = sum(ours_aucs) / len(ours_aucs)
        mean_peer = sum(peer_aucs) / len(peer_aucs)
        ok = mean_ours >= mean_peer - 0.01 and worst[0] >= -0.05
        all_ok &= ok
        line = f"| {'mean (' + str(len(ours_aucs)) + ' data sets)':<28} | {'':>7} | {mean_ours:6.3f} | {mean_peer:6.3f} | {mean_ours - mean_peer:+7.3f} |"
        if extra:
            line += f" transductive mean {sum(r['roc_auc_transductive'] for r in ours) / len(ours):.3f}, paper mean {sum(r['roc_auc_paper_aggregation'] for r in ours) / len(ours):.3f}"
        print(line)
        print(f"\nbar (mean >= PyOD - 0.01, no set below PyOD - 0.05): {'PASS' if ok else 'FAIL'}"
              f" (worst: {worst[1] or '-'} {worst[0]:+.3f})")
    sys.exit(0 if all_ok else 1)


def run_pyod(splits, detectors, only):
    """PyOD's test ROC-AUC on the same splits, with the peers' protocol (peers/README.md): text columns
    one-hot (unseen categories ignored), time columns dropped, missing values set to the training
    median, features standardised with training statistics, contamination = the training anomaly
    ratio, one thread, kNN fitted on at most 50,000 rows."""
    import time
    import numpy as np
    import pandas as pd
    import torch
    from sklearn.metrics import roc_auc_score
    torch.set_num_threads(1)
    from pyod.models.iforest import IForest
    from pyod.models.ecod import ECOD
    from pyod.models.knn import KNN
    from pyod.models.auto_encoder import AutoEncoder
    from pyod.models.deep_svdd import DeepSVDD
    names = sorted(os.listdir(splits))
    if only:
        names = [n for n in names if n in only.split(",")]
    results = {}
    for name in names:
        train = pd.read_csv(os.path.join(splits, name, "train.csv"))
        test = pd.read_csv(os.path.join(splits, name, "test.csv"))
        y_train, y_test = train.pop("label").to_numpy(), test.pop("label").to_numpy()
        for frame in (train, test):
            frame.drop(columns=[c for c in frame.columns if c.lower() in ("datetime", "timestamp")], inplace=True)
        text = [c for c in train.columns if train[c].dtype == object]
        numeric = [c for c in train.columns if c not in text]
        median = train[numeric].median()
        parts_train, parts_test = [train[numeric].fillna(median)], [test[numeric].fillna(median)]
        for column in text:
            categories = sorted(train[column].dropna().astype(str).unique())
            parts_train.append(pd.get_dummies(pd.Categorical(train[column].astype(str), categories=categories), prefix=column))
            parts_test.append(pd.get_dummies(pd.Categorical(test[column].astype(str), categories=categories), prefix=column))
        x_train = pd.concat([p.reset_index(drop=True) for p in parts_train], axis=1).to_numpy(dtype=float)
        x_test = pd.concat([p.reset_index(drop=True) for p in parts_test], axis=1).to_numpy(dtype=float)
        mean, std = x_train.mean(axis=0), x_train.std(axis=0)
        std[std == 0] = 1
        x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
        contamination = min(0.5, max(float(y_train.mean()), 1e-6))
        for detector in detectors:
            peer = PEER_NAMES.get(detector)
            if peer is None:
                continue
            fit_rows = x_train
            if peer == "KNN" and len(fit_rows) > 50_000:
                fit_rows = fit_rows[np.random.default_rng(0).choice(len(fit_rows), 50_000, replace=False)]
            model = {"IForest": lambda: IForest(contamination=contamination, random_state=0),
                     "ECOD": lambda: ECOD(contamination=contamination),
                     "KNN": lambda: KNN(contamination=contamination),
                     "AutoEncoder": lambda: AutoEncoder(contamination=contamination, random_state=0, verbose=0),
                     "DeepSVDD": lambda: DeepSVDD(n_features=x_train.shape[1], contamination=contamination,
                                                  random_state=0, verbose=0)}[peer]()
            start = time.perf_counter()
            model.fit(fit_rows)
            fit_s = time.perf_counter() - start
            start = time.perf_counter()
            scores = model.decision_function(x_test)
            predict_s = time.perf_counter() - start
            results[(name, peer)] = {"roc_auc": roc_auc_score(y_test, scores), "fit_s": fit_s, "predict_s": predict_s}
            print(f"PyOD {peer} on {name}: {results[(name, peer)]['roc_auc']:.3f}", file=sys.stderr)
    return results


def best_single(detector, ours, peers):
    """Prints ours next to PyOD's IForest per set and checks our mean against the best single PyOD mean."""
    datasets = [r["dataset"] for r in ours]
    means = {}
    for name in SINGLE_PEERS:
        values = [peers[(d, name)]["roc_auc"] for d in datasets if (d, name) in peers]
        if len(values) == len(datasets):
            means[name] = sum(values) / len(values)
    print(f"\n## {detector} (test ROC-AUC) vs the best single PyOD detector\n")
    print(f"| {'data set':<28} | {'n fit':>7} | {'ours':>6} | {'PyOD IForest':>12} | {'PyOD best here':>20} | {'fit s':>7} |")
    print("|" + "|".join(["-" * 30, "-" * 9, "-" * 8, "-" * 14, "-" * 22, "-" * 9]) + "|")
    for record in ours:
        d = record["dataset"]
        candidates = [(peers[(d, n)]["roc_auc"], n) for n in SINGLE_PEERS if (d, n) in peers]
        best = max(candidates) if candidates else (float("nan"), "-")
        iforest = peers.get((d, "IForest"), {}).get("roc_auc", float("nan"))
        print(f"| {d:<28} | {record['n_fit']:>7} | {record['roc_auc']:6.3f} | {iforest:12.3f} | {best[0]:6.3f} {best[1]:<13} | {record['fit_s']:7.3f} |")
    mean_ours = sum(r["roc_auc"] for r in ours) / len(ours)
    best_name, best_mean = max(means.items(), key=lambda item: item[1]) if means else ("-", float("nan"))
    ok = mean_ours >= best_mean
    print(f"| {'mean (' + str(len(ours)) + ' data sets)':<28} | {'':>7} | {mean_ours:6.3f} |")
    print("\nPyOD means over these sets (detectors with a figure on every set): "
          + ", ".join(f"{n} {m:.3f}" for n, m in sorted(means.items(), key=lambda item: -item[1])))
    print(f"bar (mean >= best single PyOD mean, {best_name} {best_mean:.3f}): {'PASS' if ok else 'FAIL'}")
    return ok


if __name__ == "__main__":
    main()
