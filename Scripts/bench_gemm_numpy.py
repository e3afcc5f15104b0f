"""Times NumPy's float32 matmul (OpenBLAS sgemm) like Benchmarks/GEMMBench times ours.

Usage: bench_gemm_numpy.py MxKxN ...   Prints one JSON object:
{"numpy": version, "blas": [threadpoolctl info or null], "gflops": {"MxKxN": {"best": .., "median": ..}}}
Run it with OPENBLAS_NUM_THREADS=1 for a single-thread comparison (Scripts/bench-gemm.sh does).
"""
import json
import sys
import time

import numpy as np

try:
    from threadpoolctl import threadpool_info

    blas = [
        {key: info.get(key) for key in ("internal_api", "version", "architecture", "num_threads")}
        for info in threadpool_info()
    ]
except ImportError:
    blas = None


def main(shapes):
    rng = np.random.default_rng(42)
    results = {}
    for text in shapes:
        m, k, n = (int(part) for part in text.split("x"))
        a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
        c = np.empty((m, n), dtype=np.float32)
        flops = 2.0 * m * n * k
        repetitions = max(3, int(2e8 / flops))
        for _ in range(3):
            np.matmul(a, b, out=c)
        times = []
        for _ in range(15):
            start = time.perf_counter()
            for _ in range(repetitions):
                np.matmul(a, b, out=c)
            times.append((time.perf_counter() - start) / repetitions)
        times.sort()
        results[text] = {"best": flops / times[0] / 1e9, "median": flops / times[len(times) // 2] / 1e9}
    print(json.dumps({"numpy": np.__version__, "blas": blas, "gflops": results}))


if __name__ == "__main__":
    main(sys.argv[1:])
