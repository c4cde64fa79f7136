# tacit: `make run` runs the main job on the embedded default; `make test` is what CI runs.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/tacit
FUZZTIME ?= 4s

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z][a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## check the toolchain and download the pinned Go modules
	@command -v $(GO) >/dev/null || { echo "missing: Go 1.26 or newer (https://go.dev/dl), on PATH as 'go'"; exit 1; }
	@$(GO) mod download
	@$(GO) mod verify >/dev/null

.PHONY: build
build: deps ## build bin/tacit
	$(GO) build -trimpath -o $(BIN) ./cmd/tacit

.PHONY: run
run: build ## start the API on 127.0.0.1:8080, in memory, in development mode (demo keys printed)
	$(BIN) serve --dev

.PHONY: demo
demo: build ## scripted CLI demo: issuer signs, business proves, lender verifies, cheats are refused
	@bash scripts/demo.sh $(BIN)

.PHONY: redis
redis: ## make sure redis-server is installed (the integration tests start their own)
	@command -v redis-server >/dev/null || { \
	  echo "redis-server is missing; installing Debian's redis-server"; \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq redis-server >/dev/null); \
	  else echo "run: sudo apt-get install -y redis-server"; exit 1; fi; }

.PHONY: test
test: deps redis ## unit, circuit, round-trip and Redis integration tests, plus a short fuzz run of every decoder
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz

.PHONY: fuzz
fuzz: ## run each decoder's fuzz target for FUZZTIME
	$(GO) test -run '^$$' -fuzz '^FuzzParseRecords$$' -fuzztime $(FUZZTIME) ./credential
	$(GO) test -run '^$$' -fuzz '^FuzzParseCredential$$' -fuzztime $(FUZZTIME) ./credential
	$(GO) test -run '^$$' -fuzz '^FuzzParseAttestation$$' -fuzztime $(FUZZTIME) ./verifier

.PHONY: bench
bench: build ## constraints, proving and verification time per circuit; tacit vs the circom peer
	$(GO) test -run '^$$' -bench . -benchtime 20x -count 5 ./bench/
	bash scripts/bench-peer.sh $(BIN)

.PHONY: clean
clean: ## remove build output and demo files
	rm -rf bin .demo .tacit-dev
