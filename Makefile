# tacit: `make run` runs the main job on the embedded default; `make test` is what CI runs.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/tacit
ADDR  ?= 127.0.0.1:8080
# Fuzzing runs for a count of inputs, not a duration: with a duration, Go
# 1.26's fuzzing coordinator can fail a target with "context deadline
# exceeded" as the time runs out on a busy machine (golang/go#75804, fixed
# in Go 1.27). Minimizing a new input is bounded by a count too.
FUZZTIME ?= 10000x
FUZZFLAGS = -fuzztime $(FUZZTIME) -fuzzminimizetime 10x

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
build: deps wasm ## build bin/tacit, with the browser prover embedded
	$(GO) build -trimpath -o $(BIN) ./cmd/tacit

WASM_DIR := web/build

.PHONY: wasm
wasm: deps $(WASM_DIR)/tacit.wasm.gz ## build the browser prover (web/wasm for GOOS=js GOARCH=wasm) into web/build, with wasm_exec.js and gzip copies

# Rebuilt when a Go file it is built from, or the module, changes (a few
# minutes on 2 cores).
WASM_SRC := $(shell GOOS=js GOARCH=wasm $(GO) list -deps -f '{{if and .Module .Module.Main}}{{$$d := .Dir}}{{range .GoFiles}}{{$$d}}/{{.}} {{end}}{{end}}' ./web/wasm 2>/dev/null)
$(WASM_DIR)/tacit.wasm.gz: $(WASM_SRC) go.mod go.sum
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o $(WASM_DIR)/tacit.wasm.tmp ./web/wasm
	mv $(WASM_DIR)/tacit.wasm.tmp $(WASM_DIR)/tacit.wasm
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" $(WASM_DIR)/wasm_exec.js
	gzip -9 -n -k -f $(WASM_DIR)/tacit.wasm $(WASM_DIR)/wasm_exec.js

# Debian's chromium, pinned to the version this was tested with.
CHROMIUM_VERSION ?= 156.0.8078.108-1~deb12u1

.PHONY: chromium
chromium: ## make sure Debian's chromium is installed (the browser test drives it headless)
	@command -v chromium >/dev/null || { \
	  echo "chromium is missing; installing Debian's chromium $(CHROMIUM_VERSION)"; \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq chromium=$(CHROMIUM_VERSION) >/dev/null); \
	  else echo "run: sudo apt-get install -y chromium=$(CHROMIUM_VERSION)"; exit 1; fi; }

.PHONY: browser
browser: chromium wasm ## the web app in headless chromium: a business proves in the browser, privacy of its traffic, screenshots (a few minutes: keys set up once, three proofs in wasm)
	TACIT_BROWSER=1 $(GO) test -count=1 -timeout 15m -run '^TestBrowser' ./web/

.PHONY: run
run: build ## start the API and the web app on ADDR (default 127.0.0.1:8080; make run ADDR=127.0.0.1:9000), in memory, in development mode (demo keys printed)
	@echo "web app: http://$(ADDR)/"
	$(BIN) serve --dev --addr $(ADDR)

.PHONY: demo
demo: build ## scripted CLI demo: issuer signs, business proves, lender verifies, cheats are refused
	@bash scripts/demo.sh $(BIN)

.PHONY: policy-example
policy-example: build ## worked policy example: three issuers, issuer registry, one policy/v1 proof, cheats refused
	@bash examples/policy/run.sh $(BIN)

.PHONY: redis
redis: ## make sure redis-server is installed (the integration tests start their own)
	@command -v redis-server >/dev/null || { \
	  echo "redis-server is missing; installing Debian's redis-server"; \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq redis-server >/dev/null); \
	  else echo "run: sudo apt-get install -y redis-server"; exit 1; fi; }

.PHONY: test
test: deps redis ## unit, circuit, round-trip and Redis integration tests, plus a short fuzz run of every decoder and of the HTTP handlers
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory ceremony-check
	$(MAKE) --no-print-directory mutation
	$(MAKE) --no-print-directory interop
	$(MAKE) --no-print-directory browser
	$(MAKE) --no-print-directory fuzz

.PHONY: ceremony-check
ceremony-check: ## three-party ceremony for no-default/v2: sealed keys prove and verify, tacit audit passes and catches swaps (~1.5 min, not under -race)
	$(GO) test -count=1 -run '^TestCeremonyEndToEnd$$' ./cmd/tacit

.PHONY: mutation
mutation: ## remove each of the EdDSA gadget's 5,005 constraints in turn and show an attack that gets through each time (~20 s, not under -race)
	$(GO) test -count=1 -run '^TestEveryConstraint$$' -v ./circuits/gadget/eddsa

.PHONY: interop
interop: ## the exported Solidity verifier (solc + an EVM) and snarkjs accept real attestations, reject tampered ones (needs Node.js 20.19+, npm)
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "missing: Node.js 20.19 or newer, and npm (NodeSource's nodejs 20.x or 22.x package, or https://nodejs.org/en/download; Debian 12's own nodejs 18 is too old)"; exit 1; }
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' || { echo "missing: Node.js 20.19 or newer, found $$(node --version) (NodeSource's nodejs 20.x or 22.x package, or https://nodejs.org/en/download)"; exit 1; }
	npm ci --prefix interop/js --no-audit --no-fund --loglevel=error
	TACIT_INTEROP=1 $(GO) test -count=1 -run '^TestNode' ./interop

.PHONY: fuzz
fuzz: ## run each decoder's fuzz target, and the HTTP handlers', for FUZZTIME inputs each (default 10000x)
	$(GO) test -run '^$$' -fuzz '^FuzzParseRecords$$' $(FUZZFLAGS) ./credential
	$(GO) test -run '^$$' -fuzz '^FuzzParseCredential$$' $(FUZZFLAGS) ./credential
	$(GO) test -run '^$$' -fuzz '^FuzzParseAttestation$$' $(FUZZFLAGS) ./verifier
	$(GO) test -run '^$$' -fuzz '^FuzzParsePolicyAttestation$$' $(FUZZFLAGS) ./verifier
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' $(FUZZFLAGS) ./policydoc
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' $(FUZZFLAGS) ./registry
	$(GO) test -run '^$$' -fuzz '^FuzzStepFile$$' $(FUZZFLAGS) ./ceremony
	$(GO) test -run '^$$' -fuzz '^FuzzParseCircuits$$' $(FUZZFLAGS) ./audit
	$(GO) test -run '^$$' -fuzz '^FuzzCreateChallenge$$' $(FUZZFLAGS) ./server
	$(GO) test -run '^$$' -fuzz '^FuzzCreateProof$$' $(FUZZFLAGS) ./server
	$(GO) test -run '^$$' -fuzz '^FuzzVerification$$' $(FUZZFLAGS) ./server

.PHONY: bench
bench: build ## constraints, proving and verification time per circuit; tacit vs the circom/snarkjs and rapidsnark peers; many workers (bench-workers)
	$(GO) test -run '^$$' -bench . -benchtime 20x -count 5 ./bench/
	$(GO) test -run '^$$' -bench LoadProving -benchtime 20x -count 5 ./keys/
	bash scripts/bench-peer.sh $(BIN)
	bash scripts/bench-rapidsnark.sh $(BIN)
	bash scripts/bench-policy.sh $(BIN)
	$(MAKE) --no-print-directory bench-workers
	$(MAKE) --no-print-directory bench-browser

.PHONY: bench-workers
bench-workers: ## a batch of proof jobs through 1 and 2 `tacit worker` processes on one Redis and on a cluster (jobs/s, p95); replay across two servers (~3 min)
	bash scripts/bench-workers.sh

.PHONY: bench-browser
bench-browser: chromium wasm ## the business page in headless chromium: click to attestation, keys cached (medians of 5), and first-visit bytes
	TACIT_BROWSER=1 $(GO) test -count=1 -timeout 30m -run '^$$' -bench '^BenchmarkBrowserProve$$' -benchtime 5x ./web/

.PHONY: bench-service
bench-service: ## the HTTP service under load: verifications at 500 and 800 req/s, proof-job latency at 1 job/s (3 runs, medians)
	bash scripts/bench-service.sh

.PHONY: clean
clean: ## remove build output and demo files
	rm -rf bin .demo .tacit-dev
	find $(WASM_DIR) -type f ! -name README.md -delete
