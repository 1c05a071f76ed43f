# gslb — every target brings its own supported Node (scripts/ensure-node.sh) and its Debian tools.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE_DIR := $(shell ./scripts/ensure-node.sh)
export PATH := $(NODE_DIR):$(PATH)
export npm_config_update_notifier := false
export npm_config_fund := false
export npm_config_audit := false

.PHONY: help deps run test check bench bench-proxy build demo lint format clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'

node_modules/.installed: package.json package-lock.json
	npm ci --loglevel=error
	@touch $@

deps: node_modules/.installed ## install the npm dependencies (pinned by package-lock.json)

run: deps ## serve zones/ on 127.0.0.1:5353 (UDP+TCP) with the bundled GeoIP data; admin on 127.0.0.1:8053
	node src/cli.ts serve --zones zones --dns 127.0.0.1:5353 --admin 127.0.0.1:8053

test: deps ## typecheck, lint and run every test (installs dig/kdig/knot/nsd/unbound when missing)
	./scripts/install-debian-tools.sh test
	npm test

check: deps ## validate the bundled zone files
	node src/cli.ts check zones

bench: deps ## dnsperf against gslb and Knot in the same run (one core each)
	./scripts/install-debian-tools.sh test
	./scripts/install-debian-tools.sh bench
	npm run bench

bench-proxy: deps ## wrk through gslb's proxy and through nginx, same backends, one core each
	./scripts/install-debian-tools.sh proxy-bench
	node scripts/bench/proxy.ts

demo: deps ## two regions (proxy + backends each) behind one gslb zone; stops region A's backends and shows the DNS move
	./scripts/install-debian-tools.sh test
	node scripts/demo/two-regions.ts

build: deps ## compile to dist/ (what the Docker image and the `gslb` bin run)
	npm run build

lint: deps
	npm run lint

format: deps
	npm run format

clean:
	rm -rf dist node_modules .tools
