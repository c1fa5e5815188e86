# bsky-tools. `make` installs what is missing and builds; `make test`; `make demo`.
# Every pipeline below is run by the tests (test/makefile.test.ts).
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
SOURCES := $(shell find bin lib test bench -name '*.ts' 2>/dev/null) $(wildcard man/src/*.md) tsconfig.json package.json scripts/post-build.mjs scripts/man-pages.mjs
BIN := bin

# Where the main job keeps its files; override on the command line (make periodic STATE=/data/state).
SPOOL ?= spool
STATE ?= state
METRICS ?= metrics
LAKE ?= lake
# The demo's sample: 10 minutes of firehose at 1,000 events/s, generated (seeded, so always the same).
SAMPLE ?= tmp/sample.ndjson
SAMPLE_EVENTS ?= 600000
# A capture to replay or to run through the five-tool pipeline.
CAPTURE ?= $(SAMPLE)
OUT ?= tmp/pipeline

all: dist/.built

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

dist/.built: node_modules/.installed $(SOURCES)
	npm run --silent build
	touch $@

test: all
	npm test

# The main job on the sample, in a folder of its own (never the ./spool, ./state and ./metrics
# that `./bluesky | ./handle-stream` and `./periodic` use): spool it, roll it up, draw every metric.
DEMO ?= tmp/demo
demo: all $(SAMPLE)
	rm -rf $(DEMO)/spool $(DEMO)/state $(DEMO)/metrics $(DEMO)/lake
	$(BIN)/handle-stream --spool $(DEMO)/spool < $(SAMPLE)
	$(BIN)/periodic --spool $(DEMO)/spool --state $(DEMO)/state --metrics $(DEMO)/metrics --lake $(DEMO)/lake
	$(BIN)/bsky-plot $(DEMO)/metrics/*.csv
	@echo "The demo's metrics are in $(DEMO)/metrics/ (draw them again with: make show METRICS=$(DEMO)/metrics)"

$(SAMPLE): | dist/.built
	mkdir -p $(dir $@)
	$(BIN)/bsky-gen --events $(SAMPLE_EVENTS) --seed 1 --rate 1000 --fast-likers 12 > $@.part
	mv $@.part $@

# Live: the take-home script when it is here, else a paced generator at 1,000 events/s. Ctrl-C stops it.
# LIVE_EVENTS bounds the paced generator (the tests use it); unset, it runs until stopped.
LIVE_EVENTS ?=
live: all
	if [ -x ./bluesky ]; then ./bluesky | $(BIN)/handle-stream --spool $(SPOOL); \
	else $(BIN)/bsky-gen --pace --rate 1000 $(if $(LIVE_EVENTS),--events $(LIVE_EVENTS)) | $(BIN)/handle-stream --spool $(SPOOL); fi

# The live network without Python: Jetstream, resumed from a cursor file across restarts.
JETSTREAM_URL ?= public
jetstream: all
	mkdir -p $(STATE)
	$(BIN)/bsky-jetstream --url $(JETSTREAM_URL) --cursor-file $(STATE)/jetstream.cursor | $(BIN)/handle-stream --spool $(SPOOL)

# Live demo: paced generator into handle-stream, periodic and charts every 30 s (examples/live-demo.sh),
# in a folder of its own. Ctrl-C stops it.
LIVE_DIR ?= tmp/live-demo
live-demo: all
	@echo "The live demo's spool, state and metrics are in $(LIVE_DIR)/"
	DIR=$(LIVE_DIR) bash examples/live-demo.sh

# One roll-up of what handle-stream spooled since the last one (what cron or `watch -n 30` runs).
periodic: all
	$(BIN)/periodic --spool $(SPOOL) --state $(STATE) --metrics $(METRICS) --lake $(LAKE)

# Replay a capture file through the main job.
replay: all
	$(BIN)/handle-stream --spool $(SPOOL) < $(CAPTURE)
	$(BIN)/periodic --spool $(SPOOL) --state $(STATE) --metrics $(METRICS) --lake $(LAKE)

# The same metrics with the five stream tools, one pipeline per file, into $(OUT).
pipeline: all
	mkdir -p $(OUT)
	$(BIN)/bsky-parse -q $(CAPTURE) | $(BIN)/bsky-flatten -q --kinds like,post --ops create > $(OUT)/rows.ndjson
	$(BIN)/bsky-metric -q likes-per-minute < $(OUT)/rows.ndjson | $(BIN)/bsky-csv -q --out $(OUT)/likes-per-minutes.csv
	$(BIN)/bsky-metric -q fast-likers < $(OUT)/rows.ndjson | $(BIN)/bsky-csv -q -c user_id,likes --out $(OUT)/fast-likers.csv
	$(BIN)/bsky-metric -q top-10-word < $(OUT)/rows.ndjson | $(BIN)/bsky-csv -q -c word,count --out $(OUT)/top-10-word.csv
	$(BIN)/bsky-metric -q posts-by-hour < $(OUT)/rows.ndjson | $(BIN)/bsky-csv -q --out $(OUT)/posts-by-hour.csv
	$(BIN)/bsky-metric -q posts-by-weekday < $(OUT)/rows.ndjson | $(BIN)/bsky-csv -q --out $(OUT)/posts-by-weekday.csv
	rm $(OUT)/rows.ndjson

# Likes per minute streamed straight through the five tools, as a chart.
likes-per-minute: all
	$(BIN)/bsky-parse -q $(CAPTURE) | $(BIN)/bsky-flatten -q --kinds like | $(BIN)/bsky-metric -q likes-per-minute | $(BIN)/bsky-csv -q | $(BIN)/bsky-plot

# SQL over the lake periodic writes (docs/LAKE.md): make sql QUERY="SELECT kind, count(*) FROM events GROUP BY 1",
# or a file, as CSV: make sql SQL=sql/top-10-word.sql CSV=1.
QUERY ?=
SQL ?=
CSV ?=
sql: all
	$(BIN)/bsky-sql -q --lake $(LAKE) $(if $(CSV),--csv) $(if $(SQL),--file $(SQL),"$$QUERY")

# Draw every metrics file of a folder in the terminal (make show METRICS=tmp/demo/metrics).
show: all
	$(BIN)/bsky-plot $(METRICS)/*.csv

# Operations (docs/OPERATIONS.md). DATA is where spool/, state/ and metrics/ live (default: here).
DATA ?= $(CURDIR)
UNITS ?= tmp/systemd
# The systemd units of contrib/systemd/ with this checkout's paths filled in, written to $(UNITS)/.
systemd:
	mkdir -p $(UNITS)
	for f in contrib/systemd/*.service contrib/systemd/*.timer; do \
	  sed -e 's#@ROOT@#$(CURDIR)#g' -e 's#@DATA@#$(abspath $(DATA))#g' $$f > $(UNITS)/$$(basename $$f); done
	@echo "Units for $(CURDIR) with data in $(abspath $(DATA)) are in $(UNITS)/; install them with:"
	@echo "  sudo cp $(UNITS)/* /etc/systemd/system/ && sudo systemctl daemon-reload"
	@echo "  sudo systemctl enable --now bsky-stream.service bsky-periodic.timer"

# The crontab lines for this checkout: periodic every 30 s (cron's minute, and again 30 s later), logged.
cron:
	@echo "* * * * * cd $(abspath $(DATA)) && $(CURDIR)/bin/periodic >> $(abspath $(DATA))/periodic.log 2>&1"
	@echo "* * * * * sleep 30; cd $(abspath $(DATA)) && $(CURDIR)/bin/periodic >> $(abspath $(DATA))/periodic.log 2>&1"

bench: all
	node dist/bench/run.js

# The five-tool pipeline on 1 million generated events against the naive reference, with peak RSS (about 2 minutes).
VERIFY_EVENTS ?= 1000000
verify-1m: all
	node dist/test/slow/pipeline-1m.js $(VERIFY_EVENTS)

# Issue 12's memory cases under 150 MB each: handle-stream restarting over 1.2M unfolded events, bsky-plot, bsky-window, periodic with a FIFO; periodic with its lake folding them and merging a closed hour (a compaction step, concatenated and by DuckDB) under 200 MB (about two minutes).
VERIFY_SPOOL_EVENTS ?= 1200000
verify-memory: all
	node dist/test/slow/bounded-memory.js $(VERIFY_SPOOL_EVENTS)

clean:
	rm -rf dist tmp

.PHONY: all test demo live jetstream live-demo periodic replay sql pipeline likes-per-minute show systemd cron bench verify-1m verify-memory clean
