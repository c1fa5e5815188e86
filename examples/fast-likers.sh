#!/usr/bin/env bash
# Fast likers with the spec's rule (50 likes within 60 s), then a stricter one.
set -euo pipefail
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
bin/bsky-gen -q --events 50000 --seed 5 --fast-likers 6 | bin/bsky-parse -q | bin/bsky-flatten -q --kinds like --fields time,kind,op,did > "$work/likes.ndjson"

echo '# 50 likes within 60 s'
bin/bsky-metric -q fast-likers -i "$work/likes.ndjson" | bin/bsky-csv -q
echo '# 100 likes within 30 s'
bin/bsky-metric -q fast-likers --min-likes 100 --within 30s -i "$work/likes.ndjson" | bin/bsky-csv -q
