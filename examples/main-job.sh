#!/usr/bin/env bash
# The main job on a capture arriving in two halves: handle-stream spools each
# half, periodic folds only what is new; the CSVs equal one run over the whole.
set -euo pipefail
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
bin/bsky-gen -q --events 30000 --seed 6 --rate 100 --engineering 0.3 > "$work/capture.ndjson"
head -n 15000 "$work/capture.ndjson" > "$work/first.ndjson"
tail -n +15001 "$work/capture.ndjson" > "$work/second.ndjson"

cd "$work"
for half in first second; do
  "$OLDPWD/bin/handle-stream" -q < "$half.ndjson"
  "$OLDPWD/bin/periodic" | sed -E 's/ in [0-9.]+ s/ in N s/; s/\(.* old\)/(AGE old)/'
done
for f in likes-per-minutes fast-likers top-10-word posts-by-hour posts-by-weekday; do
  echo "# metrics/$f.csv"
  cat "metrics/$f.csv"
done
