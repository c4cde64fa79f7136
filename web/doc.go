// Package web is tacit's web app: the pages a business, a lender and an
// auditor use, served by `tacit serve` at "/" with nothing but the binary.
//
// Every asset is embedded (go:embed): plain HTML, CSS and JavaScript, no
// framework, no build step, nothing from another origin. The business page
// (/present/{id}) proves in the browser with tacit's own Go prover compiled
// to WebAssembly (web/wasm), run in a Web Worker; the holder secret and the
// records never leave the page, and only the attestation the person
// confirms is sent.
//
// The WebAssembly binary and wasm_exec.js live in build/, which `make
// wasm` (run by `make build`) fills and git ignores. A binary built
// without them serves every page, and the business page says plainly that
// this binary has no browser prover.
//
// Handler serves the pages and assets with a strict Content-Security-Policy
// (scripts and WebAssembly from this origin only, no inline script),
// X-Content-Type-Options, immutable caching for assets (their URLs carry a
// digest of the whole asset set) and gzip when the client accepts it. It
// imports no HTTP framework: package server mounts it.
package web
