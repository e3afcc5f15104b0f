#!/usr/bin/env bash
# Our scorer vs ONNX Runtime on the same model and rows, side by side in one run (issue: ONNX export).
#
# For each data set (default: cardio, 21 numeric columns, and NSL-KDD train20, 38 numeric + 3 categorical), on the
# peers' split files: `anomaly-distill run` distils the default student on the training split, `export` writes it
# as ONNX; then `anomaly-distill bench --json` (single-row path and batch of BATCH rows, preprocessing included)
# and Scripts/bench_onnx_peer.py (ONNX Runtime from Python on the exported graph, fed column by column as a data
# frame feeds it; 1 thread, and 2 threads for the batch) score the test rows; the peer first checks its scores
# against `anomaly-distill score`. ONNX Runtime's C API perf tool (onnxruntime_perf_test) is not in the pip wheel,
# so only the Python API is timed.
#
# Usage: [SETS="cardio nsl_kdd_train20"] [BATCH=100000] Scripts/bench-onnx.sh   (needs python3 with pandas,
#        scikit-learn, onnx, onnxruntime; ../shared or $SHARED for the data)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
SETS=${SETS:-cardio nsl_kdd_train20}
BATCH=${BATCH:-100000}
python3 -c "import numpy, onnx, onnxruntime, pandas, sklearn" 2>/dev/null \
    || python3 -m pip install -q numpy onnx onnxruntime pandas scikit-learn
swift build -c release --product anomaly-distill >/dev/null
BIN=$(swift build -c release --show-bin-path)/anomaly-distill
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/data"
for set in $SETS; do cp "$SHARED/data/$set.csv" "$WORK/data/"; done
python3 "$SHARED/peers/make_splits.py" "$WORK/data" "$WORK/splits" >/dev/null
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

printf '%-18s %-34s %14s %14s  %s\n' "data" "measure" "ours" "ONNX Runtime" "ours vs ORT"
for set in $SETS; do
    split="$WORK/splits/$set"
    "$BIN" run --train "$split/train.csv" --test "$split/test.csv" --out "$WORK/$set.safetensors" --quiet >/dev/null
    "$BIN" export -m "$WORK/$set.safetensors" -o "$WORK/$set.onnx" >/dev/null
    "$BIN" score -m "$WORK/$set.safetensors" "$split/test.csv" -o "$WORK/$set-scores.csv"
    "$BIN" bench -m "$WORK/$set.safetensors" --data "$split/test.csv" --batch-rows "$BATCH" --json >"$WORK/ours.json"
    python3 Scripts/bench_onnx_peer.py "$WORK/$set.onnx" "$split/test.csv" "$WORK/$set-scores.csv" \
        --batch-rows "$BATCH" >"$WORK/theirs.json"
    python3 - "$set" "$WORK/ours.json" "$WORK/theirs.json" <<'PY'
import json, sys
name, ours, theirs = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
ns = lambda v: f"{v / 1000:.2f} µs" if v >= 1000 else f"{v:.0f} ns"
rate = lambda v: f"{v / 1e6:.2f} M rows/s"
rows = [
    ("single row, median (ORT 1 thread)", ns(ours["single_row_latency_ns"]), ns(theirs["single_row_ns"]),
     f"{theirs['single_row_ns'] / ours['single_row_latency_ns']:.0f}× faster"),
    ("single row, p99", ns(ours["single_row_latency_p99_ns"]), ns(theirs["single_row_p99_ns"]), ""),
    (f"batch {theirs['batch_rows']:,} (ORT 1 thread)", rate(ours["batch_rows_per_second"]),
     rate(theirs["batch_rows_per_second"]), f"{ours['batch_rows_per_second'] / theirs['batch_rows_per_second']:.2f}×"),
    (f"batch {theirs['batch_rows']:,} (ORT 2 threads)", rate(ours["batch_rows_per_second"]),
     rate(theirs["batch_rows_per_second_2_threads"]),
     f"{ours['batch_rows_per_second'] / theirs['batch_rows_per_second_2_threads']:.2f}×"),
]
for measure, a, b, ratio in rows:
    print(f"{name:<18} {measure:<34} {a:>14} {b:>14}  {ratio}")
print(f"{name:<18} {ours['kind']}, {theirs['inputs']} input columns, {ours['parameters']:,} parameters; ORT "
      f"{theirs['onnxruntime']} (Python {theirs['python']}); max relative score difference ORT vs score "
      f"{theirs['max_relative_score_error']:.1e}")
if theirs["max_relative_score_error"] > 1e-5:
    sys.exit(f"{name}: ONNX Runtime's scores differ from score's")
PY
done
