#!/usr/bin/env python3
"""Our gradient-boosted teacher and its student next to scikit-learn's HistGradientBoostingClassifier, side by side.

For each labelled split (default: insurance claims, Polish bankruptcy, bank marketing, steel plates), in one run:
  - scikit-learn: HistGradientBoostingClassifier(random_state=0) on the training file, text columns one-hot
    encoded (categories of the training file; unseen ones all zero), missing values left as NaN (it routes them);
    test ROC-AUC of predict_proba;
  - ours: `anomaly-distill run --detector gradient-boosting --train T --test S --json` (release build): the
    teacher's and the distilled student's test ROC-AUC, and the fit seconds.
Prints a table and the bars of the gradient-boosting issue: teacher >= HGB - 0.02 and student >= teacher - 0.02
on each split.

Usage: Scripts/compare-gbt.py [--splits DIR] [--only a,b] [--seed S]
Split files: ../shared/peers/make_splits.py DATA DIR (written to DIR when missing).
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETS = ["insurance_claims_fraud", "polish_bankruptcy_1year", "bank_marketing_categorical", "steel_plates_fault"]


def sklearn_auc(train_path, test_path):
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    train = pd.read_csv(train_path, na_values=["?", "NA", "N/A", "NaN", "nan", "NULL", "null", ""])
    test = pd.read_csv(test_path, na_values=["?", "NA", "N/A", "NaN", "nan", "NULL", "null", ""])
    y_train, y_test = train.pop("label").to_numpy(), test.pop("label").to_numpy()
    text = [c for c in train.columns if not pd.api.types.is_numeric_dtype(train[c])]
    x_train = pd.get_dummies(train, columns=text, dtype=float)
    x_test = pd.get_dummies(test, columns=text, dtype=float).reindex(columns=x_train.columns, fill_value=0.0)
    start = time.perf_counter()
    model = HistGradientBoostingClassifier(random_state=0).fit(x_train.to_numpy(np.float64), y_train)
    seconds = time.perf_counter() - start
    return roc_auc_score(y_test, model.predict_proba(x_test.to_numpy(np.float64))[:, 1]), seconds


def ours(binary, train_path, test_path, seed):
    out = os.path.join(os.environ.get("TMPDIR", "/tmp"), "compare-gbt-student.safetensors")
    result = subprocess.run([binary, "run", "--detector", "gradient-boosting", "--train", train_path, "--test", test_path,
                             "--out", out, "--seed", str(seed), "--json", "--quiet"], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"anomaly-distill run failed on {train_path}:\n{result.stderr}")
    report = json.loads(result.stdout)
    comparison = report["comparison"]
    return (comparison["teacher"]["quality"]["roc_auc"], comparison["student"]["quality"]["roc_auc"],
            report["teacher_fit_seconds"], report["comparison"]["fidelity"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "splits"))
    parser.add_argument("--data", default=os.path.join(os.path.dirname(ROOT), "shared", "data"))
    parser.add_argument("--only", default=",".join(SETS))
    parser.add_argument("--seed", default="0")
    args = parser.parse_args()
    sets = args.only.split(",")
    if any(not os.path.exists(os.path.join(args.splits, s, "test.csv")) for s in sets):
        subprocess.run([sys.executable, os.path.join(os.path.dirname(args.data), "peers", "make_splits.py"), args.data,
                        args.splits], check=True)
    binary = os.path.join(ROOT, ".build", "release", "anomaly-distill")
    if not os.path.exists(binary):
        subprocess.run(["swift", "build", "-c", "release", "--product", "anomaly-distill"], cwd=ROOT, check=True)

    print(f"{'split':<28} {'HGB':>6} {'teacher':>8} {'Δ':>7} {'student':>8} {'Δ':>7} {'top-k':>6}  fit s (HGB / ours)")
    held = True
    for name in sets:
        train, test = os.path.join(args.splits, name, "train.csv"), os.path.join(args.splits, name, "test.csv")
        peer, peer_seconds = sklearn_auc(train, test)
        teacher, student, seconds, fidelity = ours(binary, train, test, args.seed)
        overlap = fidelity.get("top_k_overlap", float("nan")) if isinstance(fidelity, dict) else float("nan")
        ok = teacher >= peer - 0.02 and student >= teacher - 0.02
        held &= ok
        print(f"{name:<28} {peer:6.3f} {teacher:8.3f} {teacher - peer:+7.3f} {student:8.3f} {student - teacher:+7.3f} "
              f"{overlap:6.3f}  {peer_seconds:.2f} / {seconds:.2f}{'' if ok else '   (bar missed)'}")
    print("bars (teacher >= HGB - 0.02, student >= teacher - 0.02 on every split):", "held" if held else "NOT held")


if __name__ == "__main__":
    main()
