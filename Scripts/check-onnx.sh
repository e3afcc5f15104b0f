#!/usr/bin/env bash
# ONNX Runtime against `anomaly-distill score` on the shared data sets (issue: ONNX export).
#
# For every labelled data set in ../shared/data (or $SHARED/data) that a student is distilled on here in CI's
# time, on the peers' split files (../shared/peers/make_splits.py): `run` distils the default student on the
# training split, `export` writes it as ONNX, `score` scores the test split, and Scripts/check_onnx.py checks
# that onnx.checker passes and ONNX Runtime gives the same scores (within 1e-5 · max(1, |score|)),
# probabilities (1e-5) and identical is_anomaly. A supervised network (Polish bankruptcy, missing values), the
# gradient-boosted teacher's students (quantile-mapped inputs; Polish bankruptcy, steel plates), an autoencoder and
# Deep SVDD (cardio) are checked the same way; so is examples/python's NumPy scorer (1e-4). Prints one line per model; exits 1 on a mismatch.
#
# Usage: Scripts/check-onnx.sh [DATASET ...]     (default: all below; needs python3 with pandas, scikit-learn,
#        onnx, onnxruntime — .ci/run installs them). Skips, with a message, when the shared data are absent.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
if [ ! -d "$SHARED/data" ]; then
    echo "check-onnx: skipped, $SHARED/data is absent"
    exit 0
fi
if ! python3 -c "import onnx, onnxruntime, pandas, sklearn, numpy, safetensors" 2>/dev/null; then
    echo "check-onnx: needs python3 with onnx, onnxruntime, pandas, scikit-learn, numpy and safetensors" \
        "(python3 -m pip install onnx onnxruntime pandas scikit-learn numpy safetensors)" >&2
    exit 1
fi
DEFAULT_SETS="breastw cardio thyroid vowels steel_plates_fault satimage2 polish_bankruptcy_1year mammography
    insurance_claims_fraud skab_valve1 skab_valve2 skab_other nsl_kdd_train20 nsl_kdd_test nab_machine_temperature
    bank_marketing_categorical shuttle"
SETS=${*:-$DEFAULT_SETS}

swift build -c release --product anomaly-distill >/dev/null
BIN=$(swift build -c release --show-bin-path)/anomaly-distill
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 "$SHARED/peers/make_splits.py" "$SHARED/data" "$WORK/splits" >/dev/null

failures=0
check() {  # NAME MODEL.safetensors TEST.csv
    "$BIN" export -m "$2" -o "$WORK/model.onnx" >/dev/null
    "$BIN" score -m "$2" "$3" -o "$WORK/scores.csv"
    if ! python3 Scripts/check_onnx.py "$WORK/model.onnx" "$3" "$WORK/scores.csv" | sed "s/^/$1: ONNX Runtime: /"; then
        failures=$((failures + 1))
    fi
    # The NumPy reference scorer of examples/python reads the model file itself.
    if ! python3 examples/python/score_numpy.py "$2" "$3" --check "$WORK/scores.csv" | sed "s/^/$1: NumPy: /"; then
        failures=$((failures + 1))
    fi
}

start=$(date +%s)
for set in $SETS; do
    split="$WORK/splits/$set"
    "$BIN" run --train "$split/train.csv" --test "$split/test.csv" --out "$WORK/student.safetensors" >/dev/null
    check "$set" "$WORK/student.safetensors" "$split/test.csv"
done
split="$WORK/splits/polish_bankruptcy_1year"
"$BIN" fit --detector supervised-network --train "$split/train.csv" --test "$split/test.csv" \
    --out "$WORK/supervised.safetensors" >/dev/null
check "polish_bankruptcy_1year (supervised network)" "$WORK/supervised.safetensors" "$split/test.csv"
# The gradient-boosted teacher's student: quantile-mapped inputs (the ramp sums of the ONNX graph).
for set in polish_bankruptcy_1year steel_plates_fault; do
    split="$WORK/splits/$set"
    "$BIN" run --detector gradient-boosting --train "$split/train.csv" --test "$split/test.csv" \
        --out "$WORK/gbt-student.safetensors" >/dev/null
    check "$set (gradient-boosting student)" "$WORK/gbt-student.safetensors" "$split/test.csv"
done
split="$WORK/splits/cardio"
for detector in autoencoder deep-svdd; do
    "$BIN" fit --detector $detector --train "$split/train.csv" --test "$split/test.csv" \
        --out "$WORK/$detector.safetensors" >/dev/null
    check "cardio ($detector)" "$WORK/$detector.safetensors" "$split/test.csv"
done
echo "check-onnx: $failures mismatches, $(( $(date +%s) - start )) s"
[ "$failures" -eq 0 ]
