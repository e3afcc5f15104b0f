#!/usr/bin/env bash
# Autoencoder training speed, side by side in one run: ms per epoch of ours (ad-bench autoencoder)
# and of the same PyTorch model (Scripts/bench_autoencoder_torch.py), both on one thread:
# d -> 64 -> 32 -> 64 -> d, Linear -> BatchNorm -> ReLU -> Dropout(0.2) per hidden block (PyOD's
# AutoEncoder), MSE, Adam, batch 32. Usage: Scripts/bench-autoencoder.sh [ROWS] [DIMS] [EPOCHS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000}; dims=${2:-30}; epochs=${3:-5}
python3 -c "import torch" 2>/dev/null || pip install -q torch
ANOMALY_DISTILL_BENCHMARKS=1 swift build -c release --product ad-bench --scratch-path .build-bench >/dev/null
ours=$(.build-bench/release/ad-bench autoencoder "$rows" "$dims" "$epochs")
theirs=$(python3 Scripts/bench_autoencoder_torch.py "$rows" "$dims" "$epochs")
echo "ours:    $ours"
echo "pytorch: $theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
key = next(k for k in ours if "ms" in k and "epoch" in k)
tkey = next(k for k in theirs if "ms" in k and "epoch" in k)
print(f"ms per epoch: ours {ours[key]:.1f}, PyTorch {theirs[tkey]:.1f}, ratio (PyTorch / ours) {theirs[tkey] / ours[key]:.1f}x")
PY
