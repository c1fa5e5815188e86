#!/usr/bin/env bash
# Debugging with jq on the intermediate streams.
set -euo pipefail
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
bin/bsky-gen -q --events 20000 --seed 7 --rate 200 --engineering 0.3 | bin/bsky-parse -q | bin/bsky-flatten -q > "$work/rows.ndjson"

echo '# the most active accounts in the last minute of the capture'
last=$(tail -n 1 "$work/rows.ndjson" | jq -r '.time[0:16]')
jq -r --arg m "$last" 'select(.time[0:16] == $m) | .did' "$work/rows.ndjson" | sort | uniq -c | sort -k1,1nr -k2 | awk 'NR <= 5'

echo '# the posts behind the top word'
word=$(bin/bsky-metric -q top-words -i "$work/rows.ndjson" | head -n 1 | jq -r .word)
echo "top word: $word"
jq -r --arg w "$word" 'select(.kind == "post" and (.text | test("\\bengineering\\b"; "i")) and (.text | test("\\b" + $w + "\\b"; "i"))) | .text | gsub("\n"; " ")' "$work/rows.ndjson" | awk 'NR <= 3'

echo '# the kind mix'
jq -r .kind "$work/rows.ndjson" | sort | uniq -c | sort -k1,1nr
