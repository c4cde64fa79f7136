// Package eddsa is tacit's in-circuit EdDSA verifier over BN254's twisted
// Edwards curve (gnark-crypto ecc/bn254/twistededwards): it accepts exactly
// the signatures issuers make today with `tacit credential sign`, at about
// 5,000 R1CS constraints where gnark's std/signature/eddsa (used by the v1
// circuits) costs about 7,000.
//
// The soundness argument and the cost of each part are written out below
// once the package settles.
package eddsa
