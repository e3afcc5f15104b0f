#!/usr/bin/env python3
"""PyTorch peer of `ad-bench autoencoder`: ms per training epoch of the same autoencoder.

d -> 64 -> 32 -> 64 -> d, each hidden layer Linear -> BatchNorm1d -> ReLU -> Dropout(0.2) (PyOD's
AutoEncoder order), MSE loss, Adam (lr 1e-3), batch 32, shuffled each epoch, on random normal rows,
single-threaded (torch.set_num_threads(1)).

Usage: bench_autoencoder_torch.py [ROWS] [DIMS] [EPOCHS]; prints one JSON line.
"""
import json
import sys
import time

import torch
from torch import nn


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    dims = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    torch.set_num_threads(1)
    torch.manual_seed(42)
    x = torch.randn(rows, dims)
    layers, width = [], dims
    for hidden in (64, 32, 64):
        layers += [nn.Linear(width, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(0.2)]
        width = hidden
    layers.append(nn.Linear(width, dims))
    model = nn.Sequential(*layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    batch = 32

    def epoch() -> None:
        model.train()
        order = torch.randperm(rows)
        for start in range(0, rows, batch):
            xb = x[order[start:start + batch]]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), xb)
            loss.backward()
            optimizer.step()

    epoch()  # warm-up
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        epoch()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    steps = (rows + batch - 1) // batch
    print(json.dumps({
        "torch": torch.__version__, "rows": rows, "dims": dims,
        "parameters": sum(p.numel() for p in model.parameters()),
        "ms_per_epoch_best": times[0], "ms_per_epoch_median": times[len(times) // 2],
        "us_per_step": times[0] * 1000 / steps,
    }))


if __name__ == "__main__":
    main()
