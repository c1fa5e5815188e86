#!/usr/bin/env bash
# Event-time windows: events per minute by kind, and distinct posting accounts per minute.
set -euo pipefail
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
bin/bsky-gen -q --events 20000 --seed 4 --rate 200 | bin/bsky-parse -q | bin/bsky-flatten -q > "$work/rows.ndjson"

echo '# rows per minute by kind (likes, posts, follows)'
bin/bsky-window -q --size 1m --by kind --kind like,post,follow < "$work/rows.ndjson" | bin/bsky-csv -q -c start:time,key:kind,count

echo '# distinct accounts posting, per minute, in 5-minute windows every minute'
bin/bsky-window -q --size 5m --hop 1m --kind post --distinct did < "$work/rows.ndjson" | bin/bsky-csv -q -c start,end,distinct
