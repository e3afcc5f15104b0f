#!/usr/bin/env python3
"""Expected values of the evaluation metrics, computed with scikit-learn, SciPy and NumPy.

Writes Tests/AnomalyDistillTests/Fixtures/metrics.json, read by MetricsTests.swift. Each case holds
scores (higher = more anomalous), labels (1 = anomaly) and the values the Swift metrics must
reproduce to 1e-9. Run from the repository root:

    python3 Scripts/make_metric_fixtures.py

PyOD is not needed: its `precision_n_scores` and contamination threshold are reimplemented below
from PyOD's definitions (pyod/utils/utility.py `get_label_n`, pyod/models/base.py
`_process_decision_scores`). The best-F1 and false-positive-budget thresholds are found by brute
force over every candidate, independently of the Swift algorithm.
"""

import json
import math
import os
import sys
import warnings

import numpy as np
import scipy
import sklearn
from scipy.stats import spearmanr
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

warnings.filterwarnings("ignore")  # zero_division="warn" warnings; the value is 0.0 as documented

CONTAMINATIONS = [0.01, 0.05, 0.1, 0.2, 0.5]
BUDGETS = [0.0, 0.01, 0.05, 0.1, 0.29, 0.5, 1.0]


def pyod_precision_n(y, scores, n=None):
    """PyOD's precision_n_scores: flag score > percentile(scores, 100 (1 - n/len)), then precision."""
    y = np.asarray(y)
    fraction = (n / len(y)) if n is not None else np.count_nonzero(y) / len(y)
    threshold = np.percentile(scores, 100 * (1 - fraction))
    flagged = (scores > threshold).astype(int)
    return float(precision_score(y, flagged, zero_division="warn"))


def at_threshold(y, scores, threshold):
    flagged = (scores > threshold).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, flagged, labels=[0, 1]).ravel()
    return {
        "threshold": float(threshold),
        "tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn),
        "precision": float(precision_score(y, flagged, zero_division="warn")),
        "recall": float(recall_score(y, flagged, zero_division="warn")),
        "f1": float(f1_score(y, flagged, zero_division="warn")),
        "accuracy": float(accuracy_score(y, flagged)),
    }


def below_all(scores):
    return float(np.nextafter(np.min(scores), -np.inf))


def best_f1(y, scores):
    """Brute force: every distinct score and one value below them all; ties go to the largest."""
    best = None
    for t in sorted(set(scores.tolist()) | {below_all(scores)}, reverse=True):
        f1 = float(f1_score(y, (scores > t).astype(int), zero_division="warn"))
        if best is None or f1 > best["f1"]:
            best = {"threshold": t, "f1": f1}
    return best


def fp_budget(y, scores, budget):
    """Brute force: the smallest candidate t whose fraction of normal rows above t is <= budget."""
    normal = scores[y == 0]
    for t in sorted(set(normal.tolist()) | {below_all(scores)}):
        if np.count_nonzero(normal > t) / len(normal) <= budget:
            return {"budget": budget, "threshold": t}
    raise AssertionError("no threshold found")


def top_k(a, b, k):
    top_a = set(np.argsort(-a, kind="stable")[:k].tolist())
    top_b = set(np.argsort(-b, kind="stable")[:k].tolist())
    return len(top_a & top_b) / k


def make_case(name, scores, labels, other=None, extra_thresholds=(), n_values=()):
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=int)
    assert scores.shape == y.shape and len(y) <= 2000
    both = 0 < y.sum() < len(y)
    case = {"name": name, "scores": scores.tolist(), "labels": y.tolist()}
    case["roc_auc"] = float(roc_auc_score(y, scores)) if both else None
    case["average_precision"] = float(average_precision_score(y, scores)) if both else None
    case["precision_at_n"] = pyod_precision_n(y, scores) if y.sum() > 0 else None
    case["precision_at_custom_n"] = [
        {"n": int(n), "value": pyod_precision_n(y, scores, n)} for n in n_values
    ]
    thresholds = [np.percentile(scores, q) for q in (0, 10, 50, 90, 100)]
    thresholds += [float(np.median(scores)), float(scores[0]), float(np.min(scores)) - 1.0]
    thresholds += list(extra_thresholds)
    case["at_threshold"] = [at_threshold(y, scores, t) for t in thresholds]
    case["contamination"] = [
        {
            "contamination": c,
            "threshold": float(np.percentile(scores, 100 * (1 - c))),
            "flagged": int(np.count_nonzero(scores > np.percentile(scores, 100 * (1 - c)))),
        }
        for c in CONTAMINATIONS
    ]
    case["best_f1"] = best_f1(y, scores) if y.sum() > 0 else None
    case["fp_budget"] = [fp_budget(y, scores, b) for b in BUDGETS] if (y == 0).any() else []
    if other is not None:
        other = np.asarray(other, dtype=np.float64)
        assert other.shape == scores.shape
        case["other_scores"] = other.tolist()
        constant = np.all(scores == scores[0]) or np.all(other == other[0])
        case["spearman"] = None if constant else float(spearmanr(scores, other).statistic)
        case["top_k"] = [
            {"k": k, "overlap": top_k(scores, other, k)}
            for k in sorted({1, max(1, len(scores) // 10), max(1, len(scores) // 2), len(scores)})
        ]
        a = scores > np.percentile(scores, 50)
        b = other > np.percentile(other, 50)
        case["decision_agreement"] = float(np.mean(a == b))
    return case


def shifted(rng, n, fraction, shift):
    """Normal scores, anomalies drawn from a shifted normal: labels are random with `fraction` ones."""
    y = (rng.random(n) < fraction).astype(int)
    y[0], y[1] = 1, 0  # both classes present
    return np.round(rng.normal(0, 1, n) + shift * y, 9), y


def main():
    rng = np.random.default_rng(20240611)
    cases = []

    s, y = shifted(rng, 200, 0.1, 2.0)
    cases.append(make_case("random_200", s, y, np.round(s + rng.normal(0, 0.5, 200), 9), n_values=(1, 5, 50, 200)))
    s, y = shifted(rng, 2000, 0.05, 1.5)
    cases.append(make_case("random_2000", s, y, np.round(s + rng.normal(0, 1, 2000), 9), n_values=(20, 100)))
    s, y = shifted(rng, 200, 0.1, 1.0)
    s = np.round(s, 1)
    cases.append(make_case("ties_1dp_200", s, y, np.round(s + rng.normal(0, 0.3, 200), 1), n_values=(3, 10, 37)))
    s, y = shifted(rng, 400, 0.2, 0.8)
    s = np.round(s, 1)
    cases.append(make_case("ties_1dp_400", s, y, np.round(-s + rng.normal(0, 2, 400), 1), n_values=(7, 200)))
    cases.append(make_case("all_equal_10", [0.5] * 10, [0, 1, 0, 0, 1, 0, 0, 0, 0, 0], [0.5] * 10, n_values=(1, 10)))
    cases.append(make_case("tiny_2", [0.2, 0.8], [0, 1], [0.1, 0.9], n_values=(1, 2)))
    cases.append(make_case("tiny_2_inverted", [0.8, 0.2], [0, 1], [0.2, 0.8], n_values=(1,)))
    cases.append(make_case("tiny_2_tied", [0.3, 0.3], [1, 0], [0.1, 0.2], n_values=(1, 2)))
    cases.append(make_case("tiny_3", [0.1, 0.4, 0.4], [0, 1, 0], [0.4, 0.1, 0.2], n_values=(1, 2, 3)))
    cases.append(make_case("tiny_3_two_anomalies", [0.35, 0.8, 0.1], [1, 1, 0], [0.3, 0.9, 0.2]))
    s = np.concatenate([rng.uniform(0, 1, 45), rng.uniform(2, 3, 5)])
    y = np.array([0] * 45 + [1] * 5)
    cases.append(make_case("separated_50", s, y, s ** 3, n_values=(5, 10)))
    cases.append(make_case("inverted_50", -s, y, s, n_values=(5,)))
    s, y = shifted(rng, 1000, 0.0, 2.0)
    y[:] = 0
    y[rng.choice(1000, 10, replace=False)] = 1
    s = s + 2.5 * y
    cases.append(make_case("imbalanced_1pct_1000", s, y, np.round(s + rng.normal(0, 1, 1000), 9), n_values=(10, 50)))
    cases.append(make_case("imbalanced_1pct_ties", np.round(s), y, np.round(s + rng.normal(0, 1, 1000)), n_values=(10,)))
    s = rng.integers(0, 5, 150).astype(float)
    y = (rng.random(150) < 0.3 + 0.1 * s).astype(int)
    cases.append(make_case("integers_ties_150", s, y, rng.integers(0, 3, 150), n_values=(1, 30, 149),
                           extra_thresholds=(2.0, 2.5, 4.0)))
    s, y = shifted(rng, 180, 0.15, 0.1)
    negative = -0.5 + 0.05 * s
    cases.append(make_case("isolation_forest_like_negative", negative, y, negative + rng.normal(0, 0.01, 180)))
    s = rng.normal(0, 1, 60)
    cases.append(make_case("labels_all_normal", s, [0] * 60, n_values=(6,)))
    cases.append(make_case("labels_all_anomalies", s[:20], [1] * 20, n_values=(5, 20)))
    cases.append(make_case("random_7", rng.normal(0, 1, 7), [0, 1, 0, 0, 1, 0, 1], rng.normal(0, 1, 7),
                           n_values=(1, 2, 3, 7)))
    s = np.array([1.0] * 30 + list(rng.normal(0, 1, 30)))
    y = np.array([1, 0] * 15 + [0] * 25 + [1] * 5)
    cases.append(make_case("half_tied_60", s, y, np.round(s), n_values=(10, 30, 31)))
    s, y = shifted(rng, 150, 0.1, 2.0)
    cases.append(make_case("large_magnitudes", 1e6 + 1e3 * s, y, 1e6 - 1e3 * s, n_values=(15,)))
    s, y = shifted(rng, 120, 0.1, 2.0)
    cases.append(make_case("tiny_differences", 1.0 + 1e-12 * np.round(s * 10), y, 1.0 + 1e-9 * s))
    s, y = shifted(rng, 100, 0.1, 1.0)
    f32 = s.astype(np.float32).astype(np.float64)
    other32 = (f32 + rng.normal(0, 0.5, 100)).astype(np.float32)
    cases.append(make_case("float32_random_100", f32, y, other32))
    a = np.array([1, 2, 2, 3, 3, 3, 4, 5, 5, 6], dtype=float)
    cases.append(make_case("spearman_ties", a, [0, 0, 0, 1, 0, 0, 0, 1, 1, 1], [2, 1, 2, 2, 4, 3, 3, 6, 5, 5]))
    cases.append(make_case("spearman_inverse", a, [0, 0, 0, 1, 0, 0, 0, 1, 1, 1], -a))
    s, y = shifted(rng, 300, 0.1, 1.0)
    cases.append(make_case("spearman_random_300", s, y, np.round(rng.normal(0, 1, 300), 9)))

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = os.path.join(root, "Tests", "AnomalyDistillTests", "Fixtures", "metrics.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    document = {
        "generator": "Scripts/make_metric_fixtures.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__},
        "cases": cases,
    }
    for case in cases:  # JSON has no NaN: every expected value must be finite or null
        for key, value in case.items():
            assert not (isinstance(value, float) and not math.isfinite(value)), (case["name"], key)
    with open(out, "w") as file:
        json.dump(document, file, separators=(",", ":"))
        file.write("\n")
    print(f"wrote {len(cases)} cases to {out} ({os.path.getsize(out)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
