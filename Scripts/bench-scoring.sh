#!/usr/bin/env bash
# Scoring with a distilled student, side by side in one run: `anomaly-distill bench` / `score` vs the same
# MLP (our weights and preprocessing, exported to ONNX) in ONNX Runtime and NumPy from Python, and the
# 1M-row CSV end to end vs pandas.read_csv.
#
#   1. single-row latency and batch throughput (100k rows per call): `anomaly-distill bench --json` vs
#      Scripts/bench_scoring_peers.py (ORT single-threaded; ORT with 2 threads shown too, since our batch
#      path uses every core); the peers script first checks ORT's scores against `anomaly-distill score`;
#   2. end to end: `anomaly-distill score -m M big.csv -o out.csv` on 1,000,000 rows (cardio's test rows
#      tiled, same header) under /usr/bin/time -v (peak RSS), best of REPEATS, vs pandas.read_csv(big.csv);
#   3. `cat big.csv | anomaly-distill score -m M -` must be byte-identical to scoring the file.
#
# Data: cardio's split files (SPLITS/cardio/{train,test}.csv, default SPLITS=/tmp/splits; made in a
# temporary folder from ../shared/data with ../shared/peers/make_splits.py when absent). Model: MODEL, or
# ${TMPDIR:-/tmp}/cardio_student.safetensors, trained there with `anomaly-distill run` when absent.
# Usage: [MODEL=student.safetensors] [ROWS=1000000] [REPEATS=3] [DIGITS=6] Scripts/bench-scoring.sh
# (DIGITS: write the big file's numbers with that many significant digits; default: the split's full text)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
shared=${SHARED:-$root/../shared}
rows=${ROWS:-1000000}
repeats=${REPEATS:-3}
bin=$root/.build/release/anomaly-distill

python3 -c "import numpy, onnx, onnxruntime, pandas" 2>/dev/null || pip install -q numpy onnx onnxruntime pandas
if [ ! -x /usr/bin/time ]; then
    { apt-get update -qq && apt-get install -y -qq time; } >/dev/null 2>&1 \
        || sudo sh -c 'apt-get update -qq && apt-get install -y -qq time' >/dev/null
fi
[ -x "$bin" ] || swift build -c release --product anomaly-distill >&2

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-scoring.XXXXXX")
trap 'rm -rf "$work"' EXIT

splits=${SPLITS:-/tmp/splits}
if [ ! -f "$splits/cardio/test.csv" ] || [ ! -f "$splits/cardio/train.csv" ]; then
    echo "making the cardio split in $work/splits" >&2
    mkdir -p "$work/data"
    cp "$shared/data/cardio.csv" "$work/data/"
    python3 "$shared/peers/make_splits.py" "$work/data" "$work/splits" >&2
    splits=$work/splits
fi
test_csv=$splits/cardio/test.csv

model=${MODEL:-${TMPDIR:-/tmp}/cardio_student.safetensors}
if [ ! -f "$model" ]; then
    echo "training the cardio student into $model" >&2
    "$bin" run --train "$splits/cardio/train.csv" --test "$test_csv" --out "$model" --quiet >&2
fi

# 1. Single row and batch, ours then theirs.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
"$bin" bench -m "$model" --data "$test_csv" --json --batch-rows 100000 >"$work/ours.json"

# 2. The big file: the test rows tiled to $rows rows, the split's header.
python3 - "$test_csv" "$work/big.csv" "$rows" "${DIGITS:-}" <<'PY'
import sys
src, dst, n, digits = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(src) as f:
    header, *lines = f.read().splitlines()
if digits:  # DIGITS=6: numbers written with that many significant digits (%.6g), as many exports do
    lines = [",".join(format(float(v), f".{digits}g") for v in line.split(",")) for line in lines]
body = (lines * (n // len(lines) + 1))[:n]
with open(dst, "w") as f:
    f.write(header + "\n")
    f.write("\n".join(body) + "\n")
PY

python3 "$root/Scripts/bench_scoring_peers.py" --model "$model" --data "$test_csv" --bin "$bin" \
    --batch-rows 100000 --rows-csv "$work/big.csv" --repeats "$repeats" --json >"$work/theirs.json"

best_ns=""
best_rss=0
for _ in $(seq 1 "$repeats"); do
    start=$(date +%s%N)
    /usr/bin/time -v -o "$work/time.txt" "$bin" score -m "$model" "$work/big.csv" -o "$work/out_file.csv"
    elapsed=$(( $(date +%s%N) - start ))
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    if [ -z "$best_ns" ] || [ "$elapsed" -lt "$best_ns" ]; then best_ns=$elapsed; fi
    if [ "$rss_kb" -gt "$best_rss" ]; then best_rss=$rss_kb; fi
done
out_rows=$(( $(wc -l <"$work/out_file.csv") - 1 ))

# 3. Standard input must give the same bytes as the file.
# (The file path maps the input, so its peak RSS includes the file's pages; stdin's shows the working set.)
start=$(date +%s%N)
cat "$work/big.csv" | /usr/bin/time -v -o "$work/time_stdin.txt" "$bin" score -m "$model" - >"$work/out_stdin.csv"
stdin_ns=$(( $(date +%s%N) - start ))
stdin_rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time_stdin.txt")
if cmp -s "$work/out_file.csv" "$work/out_stdin.csv"; then stdin_check=PASS; else stdin_check=FAIL; fi

python3 - "$work/ours.json" "$work/theirs.json" "$rows" "$out_rows" "$best_ns" "$best_rss" "$stdin_check" \
    "$stdin_ns" "$stdin_rss" <<'PY'
import sys, json
ours, theirs = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
rows, out_rows, best_ns, rss_kb, stdin_check = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
v = theirs["versions"]
print(f"model: {theirs['model']} ({ours['kind']}, {theirs['shape']} ReLU, {ours['parameters']:,} parameters, "
      f"{ours['features']} features; kernel {ours.get('kernel', '?')})")
print(f"peers: ONNX Runtime {v['onnxruntime']} and NumPy {v['numpy']} from Python {v['python']}, pandas {v['pandas']}")
print(f"correctness: max |score(ORT) - score(anomaly-distill)| on {theirs['rows']} test rows = "
      f"{theirs['max_abs_diff_vs_cli']:.2g} ({'PASS' if theirs['agree_1e-4'] else 'FAIL'}, tolerance 1e-4)")
print()
us = lambda ns: f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"
mrs = lambda r: f"{r / 1e6:.2f} M rows/s"
w = 46
print(f"{'measure':<{w}}{'ours':>16}{'peer':>16}  {'ours vs peer'}")
print(f"{'single-row call, median (ORT, 1 thread)':<{w}}{us(ours['single_row_latency_ns']):>16}"
      f"{us(theirs['ort_single_row_ns']):>16}  {theirs['ort_single_row_ns'] / ours['single_row_latency_ns']:.0f}× faster")
print(f"{'single-row call, median (NumPy)':<{w}}{us(ours['single_row_latency_ns']):>16}"
      f"{us(theirs['numpy_single_row_ns']):>16}  {theirs['numpy_single_row_ns'] / ours['single_row_latency_ns']:.0f}× faster")
print(f"{'single-row p99 (ours: over groups of calls)':<{w}}{us(ours['single_row_latency_p99_ns']):>16}"
      f"{us(theirs['ort_single_row_p99_ns']):>16}")
b = ours["batch_rows_per_second"]
print(f"{'batch, ~100k rows/call (ORT 1 thread)':<{w}}{mrs(b):>16}{mrs(theirs['ort_batch_rows_per_second']):>16}"
      f"  {b / theirs['ort_batch_rows_per_second']:.2f}×")
print(f"{'batch, ~100k rows/call (ORT 2 threads)':<{w}}{mrs(b):>16}{mrs(theirs['ort_batch_rows_per_second_2_threads']):>16}"
      f"  {b / theirs['ort_batch_rows_per_second_2_threads']:.2f}×")
print(f"{'batch, ~100k rows/call (NumPy)':<{w}}{mrs(b):>16}{mrs(theirs['numpy_batch_rows_per_second']):>16}"
      f"  {b / theirs['numpy_batch_rows_per_second']:.2f}×")
score_rps = rows / (best_ns / 1e9)
print(f"{f'CSV {rows:,} rows: score file→file vs read_csv':<{w}}{mrs(score_rps):>16}"
      f"{mrs(theirs['read_csv_rows_per_second']):>16}  {score_rps / theirs['read_csv_rows_per_second']:.2f}×")
print()
print(f"ours batch: {ours['batch_rows']:,} rows per call, every core; ours single-row: in-process call on parsed rows, "
      f"timed in groups; ORT/NumPy: one Python call per row, each timed")
print(f"score end to end: best {best_ns / 1e9:.3f} s of {out_rows:,} output rows "
      f"(read + parse + preprocess + score + write); pandas.read_csv alone: {theirs['read_csv_seconds']:.3f} s")
stdin_ns, stdin_kb = int(sys.argv[8]), int(sys.argv[9])
print(f"score peak RSS (max over runs): {rss_kb / 1024:.1f} MiB with the file argument (the input is memory-mapped; "
      f"parsed pages are released per chunk); {stdin_kb / 1024:.1f} MiB from `cat big.csv |` ({stdin_ns / 1e9:.3f} s, one run)")
print(f"stdin vs file output byte-identical (cmp): {stdin_check}")
if out_rows != rows:
    print(f"WARNING: score wrote {out_rows:,} rows for {rows:,} input rows")
if stdin_check != "PASS" or out_rows != rows or not theirs["agree_1e-4"]:
    sys.exit(1)
PY
