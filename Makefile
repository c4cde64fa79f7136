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
run: build ## run the end-to-end demo: issuer signs, business proves, lender verifies
	@bash scripts/demo.sh $(BIN)

.PHONY: test
test: deps ## unit, circuit, round-trip and integration tests, plus a short fuzz run of every decoder
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
	rm -rf bin .demo
