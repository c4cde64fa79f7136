// Package wallet is what the business page's browser prover does, in
// plain Go so that it is built and tested natively too: it reads a
// presentation request (GET /v1/requests/{id}), checks downloaded key
// artefacts against the request's fingerprints before they are used,
// reads credential and holder-secret files exactly as `tacit` writes
// them, rebuilds the lender's statement.Request through the statement kit
// (circuits.Resolve, DecodeRequest), runs the statement's native check and
// proves with package prover. web/wasm exposes it to JavaScript.
//
// Privacy: the holder secret and the credentials stay in this process (the
// page's Web Worker). Only the attestation leaves, and only when the page
// sends it. A refusal names the unmet rule in words with no private value;
// it is for the business's eyes and is never sent.
//
// Trust: the request and the artefacts come from the lender's service. The
// artefacts are checked against the request's sha256 fingerprints; a
// service that lies about its keys gets proofs its own verifier refuses,
// and the business's secrets are not exposed either way.
package wallet
