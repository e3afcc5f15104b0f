#!/usr/bin/env bash
# How PCA's default statistic was chosen: test ROC-AUC of each statistic on the peers' splits of the 15 shared
# data sets that are not sensor time series (SKAB and NAB are kept out of the choice, to report on).
# Usage: Scripts/select-pca.sh   (needs ../shared and a release build of anomaly-distill)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
binary=${BINARY:-$here/.build/release/anomaly-distill}
shared=${SHARED:-$here/../shared}
splits=$(mktemp -d)
trap 'rm -rf "$splits"' EXIT
python3 "$shared/peers/make_splits.py" "$shared/data" "$splits" > /dev/null
printf '%-28s %9s %9s %9s\n' data combined q t2
for s in $(ls "$splits"); do
  case $s in skab_*|nab_*) continue;; esac
  line=$(printf '%-28s' "$s")
  for statistic in combined q t2; do
    auc=$("$binary" fit --detector pca --statistic $statistic --train "$splits/$s/train.csv" --test "$splits/$s/test.csv" \
          --out "$splits/model.safetensors" --json --quiet | python3 -c "import json,sys; print('%.3f' % json.load(sys.stdin)['test']['roc_auc'])")
    line="$line $(printf '%9s' "$auc")"
  done
  echo "$line"
done | tee "$splits/table"
python3 - "$splits/table" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
print('%-28s' % 'mean' + ''.join(' %9.3f' % (sum(float(r[i]) for r in rows) / len(rows)) for i in (1, 2, 3)))
PY
