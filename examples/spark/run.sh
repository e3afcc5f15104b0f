#!/usr/bin/env bash
# The Spark example end to end, in local mode: distil a student, export it, score a CSV in Spark both ways
# (ONNX Runtime in mapInPandas, the CLI in RDD.pipe) and check both against `anomaly-distill score`.
#
# Usage: [DATA=../shared/data/nsl_kdd_test.csv] [PARTITIONS=4] examples/spark/run.sh
# Installs what is missing: Java (Debian's default-jre-headless) and pip's pyspark, pyarrow, pandas, onnxruntime.
# Default data: NSL-KDD test (22,544 rows, 3 categorical columns), or the embedded breast cancer data when the
# shared data are absent. Prints the checks and the time taken; exits 1 when a way disagrees with the CLI.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
DATA=${DATA:-../shared/data/nsl_kdd_test.csv}
[ -f "$DATA" ] || DATA=Sources/AnomalyDistill/Resources/breast_cancer_wisconsin.csv
command -v java >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }
python3 -c "import pyspark, pyarrow, pandas, onnxruntime" 2>/dev/null \
    || python3 -m pip install -q pyspark pyarrow pandas onnxruntime
swift build -c release --product anomaly-distill >/dev/null
BIN=$(swift build -c release --show-bin-path)/anomaly-distill
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$BIN" run --data "$DATA" --out "$WORK/student.safetensors" --quiet >/dev/null
"$BIN" export -m "$WORK/student.safetensors" -o "$WORK/student.onnx"
"$BIN" score -m "$WORK/student.safetensors" "$DATA" -o "$WORK/reference.csv"

export PYSPARK_PYTHON=python3 PYSPARK_DRIVER_PYTHON=python3
spark_submit=$(python3 -c "import pyspark, os; print(os.path.join(os.path.dirname(pyspark.__file__), 'bin', 'spark-submit'))")
PYTHONWARNINGS="ignore::FutureWarning" "$spark_submit" --master "local[2]" --conf spark.log.level=WARN --conf spark.ui.enabled=false --conf spark.sql.shuffle.partitions=4 \
    examples/spark/score_spark.py --onnx "$WORK/student.onnx" --model "$WORK/student.safetensors" --bin "$BIN" \
    --data "$DATA" --reference "$WORK/reference.csv" --partitions "${PARTITIONS:-4}" --out "$WORK/scored.parquet" \
    2> >(grep -v -E "^(WARNING|Setting default log level|To adjust logging|Using Spark.s default log4j|[0-9/]+ [0-9:]+ (WARN|INFO) )" >&2)
echo "examples/spark/run.sh: $(( $(date +%s) - start )) s in all (build, distillation, export and both Spark jobs)"
