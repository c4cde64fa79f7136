// Package eddsav1 is the EdDSA verification of the v1 circuits
// (no-default/v1, policy/v1), constraint for constraint.
//
// It reproduces the BN254 parts of gnark v0.16.1's
// std/algebra/native/twistededwards and std/signature/eddsa (Apache-2.0,
// Consensys Software Inc.) that the v1 circuits call, with the same gnark API
// calls in the same order, so the v1 constraint systems stay byte-identical
// (circuits/testdata/constraints.golden pins their digests). It exists for
// start-up time only: gnark's std package imports the twisted Edwards curves
// of bls12-377, bls12-381 (twice) and bw6-761, whose package initializers
// precompute tables at every tacit start (about 20 ms); this package needs
// only BN254's. In gnark's R1CS path that code uses no hint of its own
// (ToBinary's and the inverse's only), so no hint name changes either.
//
// New circuits use circuits/gadget/eddsa: the same checks in 5,005
// constraints instead of about 7,049.
package eddsav1
