# bsky-tools: `make` installs what is missing and builds; `make test`; `make demo`.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
SOURCES := $(shell find bin lib test bench -name '*.ts' 2>/dev/null) tsconfig.json package.json

all: dist/.built

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

dist/.built: node_modules/.installed $(SOURCES)
	npm run --silent build
	touch $@

test: all
	npm test

clean:
	rm -rf dist

.PHONY: all test clean
