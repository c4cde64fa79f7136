// Package auth holds the service's principals and their API keys.
//
// Each API key belongs to one principal with one role: business, lender,
// auditor or admin. Keys are random 256-bit secrets shown once at creation;
// the key file stores only their sha256, one JSON object per line, so a
// leaked key file does not leak keys. A lender's principal name is also its
// lender identifier in proofs.
package auth
