#!/usr/bin/env bash
# A live demo: a paced generator feeds handle-stream; every INTERVAL seconds
# periodic folds in what is new and the charts are redrawn. Ctrl-C stops it.
# RATE (events/s, default 1000), INTERVAL (s, default 30), ROUNDS (default: forever),
# DIR (where spool/, state/ and metrics/ go, default .).
set -euo pipefail
rate=${RATE:-1000} interval=${INTERVAL:-30} rounds=${ROUNDS:-0} dir=${DIR:-.}
bin=$(cd "$(dirname "$0")/../bin" && pwd)
mkdir -p "$dir"
"$bin/bsky-gen" -q --pace --rate "$rate" --fast-likers 12 --engineering 0.2 \
  | "$bin/handle-stream" -q --spool "$dir/spool" --rotate-every 2s &
feeder=$!
trap 'kill $feeder 2>/dev/null; wait $feeder 2>/dev/null || true' EXIT
round=0
while [ "$rounds" -eq 0 ] || [ "$round" -lt "$rounds" ]; do
  sleep "$interval"
  round=$((round + 1))
  [ -t 1 ] && clear
  "$bin/periodic" --spool "$dir/spool" --state "$dir/state" --metrics "$dir/metrics" --lake "$dir/lake"
  "$bin/bsky-plot" -q --height 6 "$dir/metrics/likes-per-minutes.csv" "$dir/metrics/fast-likers.csv" "$dir/metrics/top-10-word.csv"
done
