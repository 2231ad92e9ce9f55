#!/usr/bin/env bash
# Writes the legacy data dir fixture (see README.md here) with the Workmate build at $1:
#   make-fixture.sh /path/to/a/built/checkout OUT_DIR
# It runs that build's `bin/workmate serve` on a fresh data dir, offline, with the echo agent and
# the built-in scripted provider, fills it through the HTTP API, stops it with SIGTERM (exit 0),
# and leaves OUT_DIR/data (the data dir), OUT_DIR/datadir.zip (the data dir without what codex and
# Workmate write afresh at every start: codex's bundled skills, its log database and the
# codex-linux-sandbox link, an absolute path on this machine) and OUT_DIR/expected.json (what
# the API answered before the stop: every job with its history, every agent, every memory entry).
set -euo pipefail
WORKMATE="$1"
OUT="$2"
PORT="${PORT:-18431}"
URL="http://127.0.0.1:$PORT"
rm -rf "$OUT/data" && mkdir -p "$OUT/data"

env -u NOTIFY_SOCKET -u WATCHDOG_USEC \
  WORKMATE_DATA_DIR="$OUT/data" WORKMATE_OPENCLAW_LOCAL_URL= WORKMATE_MODE=offline \
  WORKMATE_CODEX_PROCESSES=1 WORKMATE_JOBS_ECHO_AGENT=on \
  WORKMATE_JOBS_BACKOFF_INITIAL=1h WORKMATE_JOBS_BACKOFF_MAX=1h \
  "$WORKMATE/bin/workmate" serve --port "$PORT" > "$OUT/serve.out" 2> "$OUT/serve.err" &
SERVE=$!
trap 'kill -9 $SERVE 2>/dev/null || true' EXIT
for _ in $(seq 120); do
  [ "$(curl -s "$URL/v1/ready" | jq -r .ready 2>/dev/null)" = true ] && break
  sleep 0.5
done

post() { # path json -> body; fails on a status >= 300
  curl -sf -X POST -H 'Content-Type: application/json' --data "$2" "$URL$1"
}
submit() { post /v1/jobs "$1" | jq -r .id; }
await_status() { # id status...
  for _ in $(seq 240); do
    status=$(curl -s "$URL/v1/jobs/$1" | jq -r .status)
    for want in "${@:2}"; do [ "$status" = "$want" ] && return 0; done
    sleep 0.25
  done
  echo "job $1 stayed $status, wanted ${*:2}" >&2; exit 1
}

# ---- agents: kept, deregistered, expiring, and enough churn for a registry snapshot (every 100) ----
post /v1/agents '{"id":"legacy-http","kind":"http","endpoint":"http://127.0.0.1:9/run","capabilities":["remote","review"],"maxConcurrent":2,"rateLimitPerMinute":30,"model":"gpt-legacy","cwd":"/tmp","ttlSeconds":0}' > /dev/null
post /v1/agents '{"id":"legacy-echo","kind":"echo","capabilities":["echo","legacy"],"maxConcurrent":3,"ttlSeconds":0}' > /dev/null
post /v1/agents '{"id":"legacy-slow","kind":"echo","capabilities":["slow"],"rateLimitPerMinute":1,"ttlSeconds":0}' > /dev/null
post /v1/agents '{"id":"legacy-flaky","kind":"http","endpoint":"http://127.0.0.1:9/flaky","ttlSeconds":0}' > /dev/null
post /v1/agents '{"id":"legacy-short","kind":"http","endpoint":"http://127.0.0.1:9/short","ttlSeconds":60}' > /dev/null
for n in $(seq 55); do
  post /v1/agents "{\"id\":\"legacy-churn-$n\",\"kind\":\"echo\",\"ttlSeconds\":0}" > /dev/null
  curl -sf -X DELETE "$URL/v1/agents/legacy-churn-$n" > /dev/null
done
sleep 1.5
post /v1/agents/legacy-short/heartbeat '' > /dev/null

# ---- jobs: every idempotency key names the job in the test ----
reply=$(submit '{"prompt":"[[reply:legacy hello]]","idempotencyKey":"legacy-reply"}')
echoed=$(submit '{"prompt":"legacy echo text","agent":"echo","priority":7,"idempotencyKey":"legacy-echo"}')
routed=$(submit '{"prompt":"routed by capability","capabilities":["legacy"],"idempotencyKey":"legacy-routed"}')
dead=$(submit '{"prompt":"[[fail:legacy boom]]","maxAttempts":1,"idempotencyKey":"legacy-dead"}')
retried=$(submit '{"prompt":"[[fail:legacy boom twice]]","maxAttempts":1,"idempotencyKey":"legacy-retried"}')
failed=$(submit '{"prompt":"will not reach","agent":"legacy-flaky","maxAttempts":3,"idempotencyKey":"legacy-failed"}')
slow=$(submit '{"prompt":"slow one","agent":"legacy-slow","idempotencyKey":"legacy-slow-done"}')
await_status "$slow" succeeded
queued=$(submit '{"prompt":"waits for its agent","agent":"legacy-slow","priority":3,"maxAttempts":5,"timeoutSeconds":120,"approval":"never","cwd":"/tmp","idempotencyKey":"legacy-queued"}')
queued2=$(submit '{"prompt":"waits too","agent":"legacy-slow","idempotencyKey":"legacy-queued-2"}')
cancelled=$(submit '{"prompt":"cancel me","agent":"legacy-slow","idempotencyKey":"legacy-cancelled"}')
await_status "$cancelled" queued
post "/v1/jobs/$cancelled/cancel" '' > /dev/null
await_status "$reply" succeeded
await_status "$echoed" succeeded
await_status "$routed" succeeded
await_status "$dead" dead
await_status "$retried" dead
post "/v1/jobs/$retried/retry" '' > /dev/null
sleep 1
await_status "$retried" dead
await_status "$failed" failed
await_status "$queued" queued
await_status "$queued2" queued
await_status "$cancelled" cancelled
curl -sf -X DELETE "$URL/v1/agents/legacy-slow" > /dev/null
curl -sf -X DELETE "$URL/v1/agents/legacy-flaky" > /dev/null

# ---- memory: one agent past a snapshot (every 500), others small ----
for n in $(seq 520); do
  kind=note; [ $((n % 3)) = 0 ] && kind=fact
  post /v1/agents/planner/memory "{\"kind\":\"$kind\",\"text\":\"planner entry $n\",\"tags\":[\"batch:$((n / 100))\",\"planner\"]}" > /dev/null
done
post /v1/agents/codex/memory '{"kind":"fact","text":"the repo builds with mvn -o","tags":["build"]}' > /dev/null
post /v1/agents/legacy-echo/memory '{"kind":"summary","text":"ünïcode ✓, \"quotes\", <!-- a marker --> and a\nsecond line","tags":["a","b:c"]}' > /dev/null
# the job summaries (codex jobs only) are appended after the jobs end; wait until they are all in
for _ in $(seq 60); do
  [ "$(curl -s "$URL/v1/agents/codex/memory?limit=1000" | jq '.entries | length')" -ge 5 ] && break
  sleep 0.5
done

# ---- what the old code answers; the test expects the same after recovery ----
{
  echo '{"jobs":'
  curl -sf "$URL/v1/jobs?limit=1000" | jq '[.jobs[].id]' | jq -c '.[]' | while read -r id; do
    id=$(echo "$id" | jq -r .)
    jq -n --argjson job "$(curl -sf "$URL/v1/jobs/$id")" \
      --argjson history "$(curl -sf "$URL/v1/jobs/$id/history")" '{job: $job, history: $history}'
  done | jq -s .
  echo ', "deadLetters":'; curl -sf "$URL/v1/dead-letters?limit=1000"
  echo ', "agents":'; curl -sf "$URL/v1/agents"
  echo ', "memory": {'
  first=1
  for agent in planner codex legacy-echo; do
    [ $first = 1 ] || echo ','; first=0
    echo "\"$agent\":"; curl -sf "$URL/v1/agents/$agent/memory?limit=1000"
  done
  echo '}}'
} | jq . > "$OUT/expected.json"

kill -TERM $SERVE
wait $SERVE
echo "serve exited $?"
trap - EXIT
rm -f "$OUT/datadir.zip"
(cd "$OUT/data" && zip -qr -y "$OUT/datadir.zip" . -x 'codex/home/.codex/skills/*' \
  -x 'codex/home/.codex/logs_*' -x 'codex/bin/*')
