// Package issuers keeps the service's list of trusted issuer keys.
//
// An admin adds and removes issuers; lenders' verifications accept only
// attestations whose issuer is on the list at the time of verification.
// Keys are stored in their canonical 64-hex encoding, validated with
// credential.ParseIssuerKey before they are stored.
package issuers
