#!/usr/bin/env python3
"""Score a CSV in Spark with an AnomalyDistill student, both ways, and check both against the CLI.

    spark-submit score_spark.py --onnx student.onnx --model student.safetensors --bin anomaly-distill \
        --data rows.csv --reference scores.csv [--out scored/] [--partitions 4]

1. ONNX: `DataFrame.mapInPandas` runs ONNX Runtime on each Arrow batch; the exported graph takes one [N, 1] input
   per column (float32 for numeric columns, NaN = missing; strings for categorical ones), so each pandas column
   is fed as it is.
2. CLI: `RDD.pipe` streams each partition's CSV lines, with the header in front, through
   `anomaly-distill score -m MODEL -` and reads its output lines back.

Both keep each row's position (the file's line order), so they are compared row by row with REFERENCE (the
CLI's own `score` of the whole file): scores within 1e-5 · max(1, |score|), identical is_anomaly. With --out, the
ONNX way's result (the input columns plus score, probability, is_anomaly) is written as Parquet.

On a cluster, ship the model with the job (`spark-submit --files student.onnx,student.safetensors,anomaly-distill`)
and open it on the executors with `SparkFiles.get(name)`; this script does that when given bare file names.
"""
import argparse
import itertools
import os
import sys
import time

import numpy as np
import pandas as pd
from pyspark import SparkFiles
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

MISSING = {"", "NA", "N/A", "NaN", "nan", "NAN", "NULL", "null", "?"}


def local(path):
    """A path on this machine, or the copy `spark-submit --files` shipped to the executor."""
    return path if os.path.sep in path else SparkFiles.get(path)


def onnx_scorer(model_path):
    def score(batches):
        import onnxruntime as ort  # imported on the executor
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        session = ort.InferenceSession(local(model_path), options, providers=["CPUExecutionProvider"])
        inputs = session.get_inputs()
        for frame in batches:
            feeds = {}
            for graph_input in inputs:
                column = frame[graph_input.name].fillna("")
                if graph_input.type == "tensor(string)":
                    feeds[graph_input.name] = column.to_numpy(dtype=object).reshape(-1, 1)
                else:
                    feeds[graph_input.name] = pd.to_numeric(column.where(~column.isin(MISSING)), errors="raise") \
                        .to_numpy(dtype=np.float32).reshape(-1, 1)
            score, probability, flagged = session.run(["score", "probability", "is_anomaly"], feeds)
            yield pd.DataFrame({"row": frame["row"], "score": score, "probability": probability,
                                "is_anomaly": flagged})
    return score


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--onnx", required=True)
    p.add_argument("--model", required=True, help="the .safetensors model, for the CLI way")
    p.add_argument("--bin", required=True, help="the anomaly-distill executable")
    p.add_argument("--data", required=True)
    p.add_argument("--reference", required=True, help="`anomaly-distill score -m MODEL DATA` output")
    p.add_argument("--out")
    p.add_argument("--partitions", type=int, default=4)
    a = p.parse_args()

    spark = SparkSession.builder.appName("anomaly-distill-score").getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel("WARN")
    started = time.time()

    # Every column as text (the graph's inputs decide the types); `row` = the line's position in the file.
    lines = sc.textFile(a.data, minPartitions=a.partitions)
    header = lines.first()
    body = lines.zipWithIndex().filter(lambda pair: pair[1] > 0).map(lambda pair: (pair[1] - 1, pair[0]))
    # textFile keeps the file's order within and across partitions, and so do the steps below.
    frame = spark.read.csv(body.map(lambda pair: pair[1]), header=False, inferSchema=False,
                           schema=",".join(f"`{name}` string" for name in header.split(",")), enforceSchema=True)
    frame = frame.withColumn("row", F.monotonically_increasing_id())

    # 1. ONNX Runtime in mapInPandas.
    onnx_scored = frame.mapInPandas(onnx_scorer(a.onnx),
                                    schema="row long, score float, probability float, is_anomaly boolean")
    onnx_rows = onnx_scored.orderBy("row").toPandas()
    onnx_seconds = time.time() - started

    # 2. The CLI as an RDD.pipe stage: each partition is a CSV with the header in front.
    started_pipe = time.time()
    command = f"{local(a.bin)} score -m {local(a.model)} -"
    piped = body.map(lambda pair: pair[1]) \
        .mapPartitions(lambda rows: itertools.chain([header], rows)) \
        .pipe(command) \
        .filter(lambda line: not line.startswith("score,"))
    cli_rows = [line.split(",") for line in piped.collect()]
    pipe_seconds = time.time() - started_pipe

    reference = pd.read_csv(a.reference)
    want = reference["score"].to_numpy(dtype=np.float64)
    want_flagged = reference["is_anomaly"].astype(str).str.lower().isin(["1", "true"]).to_numpy()
    ok = True
    for name, score, flagged in [
        ("ONNX Runtime in mapInPandas", onnx_rows["score"].to_numpy(dtype=np.float64), onnx_rows["is_anomaly"].to_numpy()),
        ("anomaly-distill in RDD.pipe", np.array([float(r[0]) for r in cli_rows]),
         np.array([r[2].lower() in ("1", "true") for r in cli_rows])),
    ]:
        if len(score) != len(want):
            print(f"FAIL {name}: {len(score)} rows, the reference has {len(want)}")
            ok = False
            continue
        error = float((np.abs(score - want) / np.maximum(1, np.abs(want))).max())
        differ = int((flagged != want_flagged).sum())
        good = error <= 1e-5 and differ == 0
        ok &= good
        print(f"{'ok  ' if good else 'FAIL'} {name}: {len(score):,} rows, largest relative score difference "
              f"{error:.1e}, {differ} decisions differ, {int(flagged.sum()):,} flagged")
    print(f"Spark {spark.version}, {sc.defaultParallelism} cores, {a.partitions} partitions: "
          f"ONNX way {onnx_seconds:.1f} s, CLI way {pipe_seconds:.1f} s (each including Spark's own start-up of the stage)")
    if a.out:
        frame.join(onnx_scored, "row").orderBy("row").drop("row").write.mode("overwrite").parquet(a.out)
        print(f"wrote {a.out}")
    spark.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
