// Command wasm is the business page's browser prover: package wallet
// compiled with GOOS=js GOARCH=wasm (`make wasm`) and run in a Web Worker
// (web/static/worker.js). It sets globalThis.tacit to an object of
// functions the worker calls; every answer is a plain object with either
// the result, "refusal" (the unmet rule in words, for the business only)
// or "error". Proving runs in a goroutine and answers with a Promise.
package main
