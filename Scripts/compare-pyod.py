#!/usr/bin/env python3
"""Test ROC-AUC of our classical detectors next to PyOD's, per shared data set.

Builds `ad-bench` (release, .build-bench), writes the shared train/test splits if needed, runs
`ad-bench detectors --splits DIR --detector D --json` for each detector and prints, per data set,
our test ROC-AUC, PyOD's (from peers/peers.jsonl, same splits and preprocessing) and the
difference, then the means and whether the bar holds: our mean >= PyOD's mean - 0.01 and no data
set worse by more than 0.05.

Usage: Scripts/compare-pyod.py [--splits DIR] [--peers DIR] [--detectors iforest,ecod,knn] [--no-build]
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

    all_ok = True
    for detector in args.detectors.split(","):
        command = [bench, "detectors", "--splits", args.splits, "--detector", detector, "--json", "--seed", args.seed]
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
