#!/usr/bin/env bash
# Likes per minute through the five stream tools, from a generated capture.
# Run from the repository root: bash examples/five-tools.sh
set -euo pipefail
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
bin/bsky-gen -q --events 20000 --seed 3 --rate 100 > "$work/capture.ndjson"

bin/bsky-parse -q "$work/capture.ndjson" \
  | bin/bsky-flatten -q --kinds like \
  | bin/bsky-metric -q likes-per-minute \
  | bin/bsky-csv -q
