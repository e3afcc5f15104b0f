#!/usr/bin/env bash
# The HTTP scoring service, side by side in one run with the peer every Python user would deploy:
# FastAPI + uvicorn (2 workers) + ONNX Runtime serving the same student (../shared/peers/serving/fastapi_ort.py,
# its ONNX graph built with onnx.helper from our safetensors weights and preprocessing by
# Scripts/bench_scoring_peers.py).
#
#   1. one-row POST /v1/score: wrk -t1 -c16 -d${SECONDS_PER_RUN}s --latency with the peer's post.lua, ROUNDS
#      rounds alternating ours and the peer; requests/s, p99, errors;
#   2. batches of 1,000 rows (Scripts/wrk/score-batch.lua): rows/s through each server;
#   3. a fuzz run of malformed and hostile bodies (Scripts/wrk/fuzz.lua) against ours: no 5xx (counted
#      from our /metrics), the server still answers /healthz, and its RSS before, right after, and 5 s after.
#
# Model: MODEL, or ${TMPDIR:-/tmp}/cardio_student.safetensors trained on cardio's split when absent (as
# Scripts/bench-scoring.sh does). Needs wrk (apt) and fastapi, uvicorn, orjson, onnx, onnxruntime (pip):
# installed when missing. Usage: [MODEL=m.safetensors] [ROUNDS=3] [SECONDS_PER_RUN=10] Scripts/bench-serve.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
shared=${SHARED:-$root/../shared}
rounds=${ROUNDS:-3}
duration=${SECONDS_PER_RUN:-10}
bin=$root/.build/release/anomaly-distill

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >/dev/null
python3 -c "import fastapi, uvicorn, orjson, onnx, onnxruntime, pandas" 2>/dev/null \
    || pip install -q fastapi uvicorn orjson onnx onnxruntime pandas numpy
[ -x "$bin" ] || swift build -c release --product anomaly-distill >&2

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-serve.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

model=${MODEL:-${TMPDIR:-/tmp}/cardio_student.safetensors}
if [ ! -f "$model" ]; then
    mkdir -p "$work/data"
    cp "$shared/data/cardio.csv" "$work/data/"
    python3 "$shared/peers/make_splits.py" "$work/data" "$work/splits" >&2
    echo "training the cardio student into $model" >&2
    "$bin" run --train "$work/splits/cardio/train.csv" --test "$work/splits/cardio/test.csv" --out "$model" --quiet >&2
fi

# The peer's ONNX file: our weights and preprocessing, as bench_scoring_peers.py builds it.
python3 - "$root/Scripts" "$model" "$work/student.onnx" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import onnx
from bench_scoring_peers import load_student, build_onnx
_, layers, features = load_student(sys.argv[2])
onnx.save(build_onnx(layers, features)[0], sys.argv[3])
PY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {  # URL
    for _ in $(seq 1 200); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done
    echo "no answer from $1" >&2
    exit 1
}

"$bin" serve -m "$model" --port 0 --log-level warning >"$work/ours.out" 2>"$work/ours.err" &
ours_pid=$!
pids+=("$ours_pid")
for _ in $(seq 1 200); do grep -q listening "$work/ours.out" && break; sleep 0.1; done
ours_port=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$work/ours.out")
peer_port=$(free_port)
(cd "$shared/peers/serving" && MODEL="$work/student.onnx" exec python3 -m uvicorn fastapi_ort:app --workers 2 \
    --host 127.0.0.1 --port "$peer_port" --log-level warning) >"$work/peer.log" 2>&1 &
pids+=("$!")
wait_for "http://127.0.0.1:$ours_port/healthz"
wait_for "http://127.0.0.1:$peer_port/healthz"

# The two servers give the same scores for the peer's row (the peer's graph has no missing-value step;
# the row has no missing values).
row=$(lua -e 'local r={} for i=1,21 do r[i]=string.format("%.3f",(i*0.37)%3-1.5) end print(table.concat(r,","))' 2>/dev/null \
      || python3 -c 'print(",".join("%.3f" % ((i*0.37)%3-1.5) for i in range(1,22)))')
ours_score=$(curl -s -H 'Content-Type: application/json' -d "{\"rows\": [[$row]]}" "http://127.0.0.1:$ours_port/v1/score" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["score"])')
peer_score=$(curl -s -H 'Content-Type: application/json' -d "{\"rows\": [[$row]]}" "http://127.0.0.1:$peer_port/v1/score" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["scores"][0])')
echo "same row: ours $ours_score, peer (ONNX Runtime) $peer_score" >&2

# Prints "requests_per_second p99_ms errors" from wrk's report.
run_wrk() {  # LABEL SCRIPT URL [env...]
    local label=$1 script=$2 url=$3
    shift 3
    env "$@" wrk -t1 -c16 -d"${duration}s" --latency -s "$script" "$url" >"$work/$label.wrk" 2>&1
    python3 - "$work/$label.wrk" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
p99 = float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
print(f"{rps:.0f} {p99:.2f} {errors}")
PY
}

echo "== one-row POST /v1/score, wrk -t1 -c16 -d${duration}s, $rounds rounds ==" | tee "$work/summary.txt"
post_lua=$shared/peers/serving/post.lua
for round in $(seq 1 "$rounds"); do
    read -r o_rps o_p99 o_err < <(run_wrk "ours-$round" "$post_lua" "http://127.0.0.1:$ours_port/v1/score")
    read -r p_rps p_p99 p_err < <(run_wrk "peer-$round" "$post_lua" "http://127.0.0.1:$peer_port/v1/score")
    ratio=$(python3 -c "print(f'{$o_rps / $p_rps:.1f}')")
    echo "round $round: ours $o_rps req/s p99 ${o_p99} ms errors $o_err | FastAPI+ORT $p_rps req/s p99 ${p_p99} ms errors $p_err | ${ratio}x" \
        | tee -a "$work/summary.txt"
done

echo "== batches of 1,000 rows ==" | tee -a "$work/summary.txt"
batch_lua=$root/Scripts/wrk/score-batch.lua
read -r o_rps o_p99 o_err < <(run_wrk ours-batch "$batch_lua" "http://127.0.0.1:$ours_port/v1/score" ROWS=1000)
read -r p_rps p_p99 p_err < <(run_wrk peer-batch "$batch_lua" "http://127.0.0.1:$peer_port/v1/score" ROWS=1000)
echo "ours $(python3 -c "print(f'{$o_rps * 1000 / 1e6:.2f}')") M rows/s (p99 ${o_p99} ms, errors $o_err) | FastAPI+ORT $(python3 -c "print(f'{$p_rps * 1000 / 1e6:.3f}')") M rows/s (p99 ${p_p99} ms, errors $p_err)" \
    | tee -a "$work/summary.txt"

echo "== fuzz: malformed and hostile bodies against ours ==" | tee -a "$work/summary.txt"
rss() { awk '/VmRSS/ {print $2}' "/proc/$ours_pid/status"; }
before=$(rss)
env wrk -t1 -c16 -d"${duration}s" -s "$root/Scripts/wrk/fuzz.lua" "http://127.0.0.1:$ours_port/v1/score" >"$work/fuzz.wrk" 2>&1
after=$(rss)
sleep 5
settled=$(rss)
requests=$(awk '/requests in/ {print $1}' "$work/fuzz.wrk")
curl -s "http://127.0.0.1:$ours_port/metrics" >"$work/metrics.txt"
server_errors=$({ grep -E 'anomaly_distill_http_requests_total\{.*status="5' "$work/metrics.txt" || true; } | awk '{s+=$2} END {print s+0}')
statuses=$(grep -E 'anomaly_distill_http_requests_total\{route="/v1/score",method="POST"' "$work/metrics.txt" \
    | sed -E 's/.*status="([0-9]+)"\} ([0-9]+)/\1:\2/' | tr '\n' ' ')
health=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ours_port/healthz")
kill -0 "$ours_pid" && alive=yes || alive=no
echo "fuzz requests $requests; answers by status (whole run) $statuses; 5xx: $server_errors; alive: $alive; /healthz: $health" \
    | tee -a "$work/summary.txt"
echo "RSS before $((before / 1024)) MiB, right after $((after / 1024)) MiB, 5 s later $((settled / 1024)) MiB" | tee -a "$work/summary.txt"
[ "$server_errors" = 0 ] && [ "$alive" = yes ] && [ "$health" = 200 ]
