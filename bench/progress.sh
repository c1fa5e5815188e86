#!/usr/bin/env bash
# What the progress line costs: each batch tool over a 1M-event capture on a pseudo-terminal (script),
# with stderr on the terminal (line drawn) and with stderr to /dev/null (no line), runs alternated in
# one script so that the machine's noise hits both alike; prints the best of REPS and their ratio.
# Usage: bench/progress.sh [EVENTS] [REPS]  (from the repository root, after make)
set -euo pipefail
events=${1:-1000000}
reps=${2:-3}
root=$(pwd)
work=$(mktemp -d /tmp/bsky-progress-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export PATH="$root/bin:$PATH"
cd "$work"
bsky-gen -q --events "$events" > capture.ndjson
bsky-parse -q capture.ndjson > events.ndjson
bsky-flatten -q events.ndjson > rows.ndjson
mkdir backlog && (cd backlog && handle-stream -q < ../capture.ndjson)

# Seconds of one run of a command line on a terminal; $2 = 'tty' keeps stderr there, else /dev/null.
timed() {
  local redirect=''
  [[ $2 == tty ]] || redirect='2>/dev/null'
  local start end
  # periodic folds the backlog once: a fresh copy of it for each run, not timed.
  [[ $1 != 'cd p '* ]] || { rm -rf p && cp -r backlog p; }
  start=$(date +%s%N)
  script -qfec "$1 $redirect" /dev/null > /dev/null
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}

printf '%-14s %10s %10s %7s\n' tool 'line ms' 'none ms' ratio
for case in \
  'bsky-parse capture.ndjson > /dev/null' \
  'bsky-flatten events.ndjson > /dev/null' \
  'bsky-metric -i rows.ndjson all > /dev/null' \
  'bsky-window --by kind rows.ndjson > /dev/null' \
  'cd p && periodic > /dev/null'; do
  best_tty=999999999
  best_none=999999999
  for _ in $(seq "$reps"); do
    t=$(timed "$case" tty); (( t < best_tty )) && best_tty=$t
    t=$(timed "$case" none); (( t < best_none )) && best_none=$t
  done
  name=${case%% *}
  [[ $name == cd ]] && name=periodic
  awk -v n="$name" -v a="$best_tty" -v b="$best_none" 'BEGIN { printf "%-14s %10d %10d %7.3f\n", n, a, b, a / b }'
done
