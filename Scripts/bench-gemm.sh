#!/usr/bin/env bash
# Single-precision GEMM throughput, ours side by side with NumPy (OpenBLAS), both single-threaded.
#
# Builds Benchmarks/ad-bench in release mode, then alternates our timings and NumPy's for ROUNDS
# rounds (default 2) and keeps each side's best, so a noisy neighbour hurts both alike. Each timing
# is the best and the median of 15 batches after 3 warm-up calls (C = A·B into a preallocated C).
# Usage: Scripts/bench-gemm.sh [MxKxN ...]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${ROUNDS:-2}"
if [ "$#" -gt 0 ]; then
    shapes=("$@")
else
    shapes=(1024x30x64 1024x64x64 1024x256x256 4096x100x16 512x512x512)
fi

cd "$root"
ANOMALY_DISTILL_BENCHMARKS=1 swift build -c release --product ad-bench --scratch-path .build-bench >&2
bench="$root/.build-bench/release/ad-bench"

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
for round in $(seq 1 "$rounds"); do
    "$bench" gemm "${shapes[@]}" >"$results/ours-$round.json"
    # OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set by the environment, pick slower kernels: unset them.
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
        python3 "$root/Scripts/bench_gemm_numpy.py" "${shapes[@]}" >"$results/numpy-$round.json"
done

python3 - "$results" "${shapes[@]}" <<'PY'
import glob, json, sys

folder, shapes = sys.argv[1], sys.argv[2:]
def merged(prefix):
    runs = [json.load(open(path)) for path in sorted(glob.glob(f"{folder}/{prefix}-*.json"))]
    best = {s: max(run["gflops"][s]["best"] for run in runs) for s in shapes}
    median = {s: max(run["gflops"][s]["median"] for run in runs) for s in shapes}
    return runs[0], best, median

ours, ours_best, ours_median = merged("ours")
numpy, numpy_best, numpy_median = merged("numpy")
print(f"ours: kernel {ours['kernel']}; numpy {numpy['numpy']}, BLAS {json.dumps(numpy['blas'])}")
print("GFLOP/s, best of 15 batches (median in brackets), best over rounds; shape is M x K x N")
print(f"{'shape':>14} {'ours':>16} {'numpy':>16} {'ratio':>7}")
for s in shapes:
    ratio = ours_best[s] / numpy_best[s]
    print(f"{s:>14} {ours_best[s]:7.1f} ({ours_median[s]:6.1f}) {numpy_best[s]:7.1f} ({numpy_median[s]:6.1f}) {ratio:7.2f}")
print(json.dumps({"ours": ours_best, "numpy": numpy_best}))
PY
