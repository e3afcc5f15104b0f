#!/usr/bin/env bash
# Isolation forest fit + score, side by side in one run: AnomalyDistill's IsolationForest (2 threads,
# the machine's cores) vs scikit-learn's IsolationForest with n_jobs=1 and n_jobs=2, on the training
# splits of shuttle, cover and kdd99_http (100 trees, 256-row subsamples, same preprocessing: the
# rows ad-bench standardises). "fit" is fit() (ours also scores the training rows, as PyOD does, to
# set the threshold); "score" is scoring all training rows again (score_samples). Best of REPEATS.
# Usage: Scripts/bench-iforest.sh [SPLITS_DIR] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
splits=${1:-${TMPDIR:-/tmp}/splits}
repeats=${2:-3}
sets=shuttle,cover,kdd99_http
if [ ! -f "$splits/shuttle/train.csv" ]; then
  python3 /work/shared/peers/make_splits.py /work/shared/data "$splits" >/dev/null
fi
ANOMALY_DISTILL_BENCHMARKS=1 swift build -c release --product ad-bench --scratch-path .build-bench >/dev/null
ours=$(.build-bench/release/ad-bench detectors --splits "$splits" --detector iforest --only "$sets" \
  --repeats "$repeats" --score-train --json)
theirs=$(python3 - "$splits" "$repeats" "$sets" <<'PY'
import sys, time, json
import numpy as np, pandas as pd, sklearn
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
splits, repeats, sets = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
for name in sets:
    train = pd.read_csv(f"{splits}/{name}/train.csv")
    test = pd.read_csv(f"{splits}/{name}/test.csv")
    y_test = test.pop("label").to_numpy()
    train.pop("label")
    columns = list(train.select_dtypes("number").columns)  # these three sets are all numeric
    median = train[columns].median()
    mean, std = train[columns].mean(), train[columns].std(ddof=0).replace(0, 1)
    x = ((train[columns].fillna(median) - mean) / std).to_numpy(dtype=np.float32)
    xt = ((test[columns].fillna(median) - mean) / std).to_numpy(dtype=np.float32)
    for jobs in (1, 2):
        fit_s = score_s = float("inf")
        for _ in range(repeats):
            model = IsolationForest(n_estimators=100, max_samples="auto", n_jobs=jobs, random_state=0)
            start = time.perf_counter(); model.fit(x); fit_s = min(fit_s, time.perf_counter() - start)
            start = time.perf_counter(); model.score_samples(x); score_s = min(score_s, time.perf_counter() - start)
        auc = roc_auc_score(y_test, -model.score_samples(xt))
        print(json.dumps({"dataset": name, "n_jobs": jobs, "rows": len(x), "fit_s": fit_s, "score_s": score_s,
                          "roc_auc": auc, "sklearn": sklearn.__version__}))
PY
)
python3 - "$ours" "$theirs" <<'PY'
import sys, json
ours = {r["dataset"]: r for r in map(json.loads, sys.argv[1].splitlines()) if r}
theirs = [json.loads(line) for line in sys.argv[2].splitlines() if line.strip()]
print(f"{'data set':<12}{'rows':>8} | {'ours fit':>9}{'score':>8}{'total':>8} | {'sklearn':>8}{'fit':>8}{'score':>8}{'total':>8} | {'speed-up':>8}")
for peer in theirs:
    mine = ours[peer["dataset"]]
    ours_total = mine["fit_s"] + mine["score_train_s"]
    peer_total = peer["fit_s"] + peer["score_s"]
    print(f"{peer['dataset']:<12}{peer['rows']:>8} | {mine['fit_s']:9.3f}{mine['score_train_s']:8.3f}{ours_total:8.3f} | "
          f"{'n_jobs=' + str(peer['n_jobs']):>8}{peer['fit_s']:8.3f}{peer['score_s']:8.3f}{peer_total:8.3f} | "
          f"{peer_total / ours_total:7.1f}x")
print(f"(test ROC-AUC ours / sklearn: " + ", ".join(
    f"{p['dataset']} {ours[p['dataset']]['roc_auc']:.3f}/{p['roc_auc']:.3f}" for p in theirs if p["n_jobs"] == 1) + ")")
PY
