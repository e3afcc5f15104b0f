#!/usr/bin/env bash
# CSV ingestion throughput, side by side in one run: AnomalyDistill's Table.read vs pandas.read_csv
# on a 1M-row × 30-column numeric CSV (written once to a temporary folder, seed 0).
# Usage: Scripts/bench-csv.sh [ROWS] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
repeats=${2:-3}
work=${TMPDIR:-/tmp}/anomaly-distill-bench
mkdir -p "$work"
file="$work/numeric_${rows}x30.csv"
python3 -c "import pandas" 2>/dev/null || pip install -q pandas
if [ ! -f "$file" ]; then
  python3 - "$file" "$rows" <<'PY'
import sys, numpy as np, pandas as pd
path, rows = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
x = rng.normal(size=(rows, 29)) * rng.uniform(0.1, 1000, size=29)
frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(29)])
frame["label"] = (rng.uniform(size=rows) < 0.05).astype(int)
frame.to_csv(path, index=False, float_format="%.6g")
PY
fi
echo "file: $file ($(du -h "$file" | cut -f1))"
ANOMALY_DISTILL_BENCHMARKS=1 swift build -c release --product ad-bench --scratch-path .build-bench >/dev/null
ours=$(.build-bench/release/ad-bench csv "$file" "$repeats")
theirs=$(python3 - "$file" "$repeats" <<'PY'
import sys, time, json, pandas as pd
path, repeats = sys.argv[1], int(sys.argv[2])
best = float("inf")
for _ in range(repeats):
    start = time.perf_counter()
    frame = pd.read_csv(path)
    best = min(best, time.perf_counter() - start)
print(json.dumps({"rows": len(frame), "seconds": best, "rows_per_s": len(frame) / best, "pandas": pd.__version__}))
PY
)
python3 - "$ours" "$theirs" <<'PY'
import sys, json
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert ours["rows"] == theirs["rows"], (ours, theirs)
print(f"{'reader':<28}{'rows':>10}{'seconds':>10}{'rows/s':>14}")
print(f"{'AnomalyDistill Table.read':<28}{ours['rows']:>10}{ours['seconds']:>10.3f}{ours['rows_per_s']:>14,.0f}")
print(f"{'pandas ' + theirs['pandas'] + ' read_csv':<28}{theirs['rows']:>10}{theirs['seconds']:>10.3f}{theirs['rows_per_s']:>14,.0f}")
print(f"ratio (ours / pandas): {ours['rows_per_s'] / theirs['rows_per_s']:.2f}x")
PY
