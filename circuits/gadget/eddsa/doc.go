// Package eddsa is tacit's in-circuit EdDSA verifier over BN254's twisted
// Edwards curve (gnark-crypto ecc/bn254/twistededwards). It accepts exactly
// the signatures `tacit credential sign` makes today (gnark-crypto's eddsa
// with the Poseidon2 Merkle-Damgard challenge hash, credential/issuer.go),
// with the checks of the v1 circuits, in 5,005 R1CS constraints where the v1
// circuits' gnark std/signature/eddsa costs about 7,049.
//
// # What Verify asserts
//
// For a public key A, a signature (R, S) and a message M (one field element):
//
//  1. A and R are on the curve E: -x^2 + y^2 = 1 + d*x^2*y^2.
//  2. [8]A != O: no key of small order (with one, [8][h]A = O and anyone
//     could sign: R = [S]B verifies for any S).
//  3. 0 <= S < l, strictly (l is the prime order of B, 251 bits).
//  4. [8]([S]B - R - [h]A) = O with h = H(R.X, R.Y, A.X, A.Y, M), the
//     Poseidon2 Merkle-Damgard hash gnark's std/signature/eddsa computes,
//     taken as the integer 0 <= h < p (all 254 bits, not reduced).
//
// This is the cofactored equation [8][S]B = [8]R + [8][h]A of gnark's
// std/signature/eddsa plus the v1 circuits' extra checks (A and R on the
// curve, [8]A != O). gnark-crypto's native Verify is stricter on three
// points the circuit leaves to the key registry or cannot exploit: it
// requires A and R in the prime-order subgroup and S != 0. A key with a
// small-order part, or R shifted by a small-order point, verifies in the
// circuit only for someone who knows the secret key; tacit's issuer keys
// pass credential.ParseIssuerKey (subgroup check) before any registry holds
// them. TestDifferential runs the gadget, gnark's std verifier with the v1
// checks and the native verifier on random, boundary (S = 0, l-1, l, S+l,
// S+7l, p-1) and malicious inputs (small-order, identity and off-curve A,
// off-curve R, (0, 0), mismatched message, R or S of another signature).
//
// # Soundness
//
// The curve: p (BN254's scalar field) is 1 mod 4, so a = -1 is a square,
// and d is not a square; the twisted Edwards addition law is then complete
// on E: for points of E the denominators 1 + d*x1*x2*y1*y2 and
// 1 - d*x1*x2*y1*y2 are never zero. #E = 8*l.
//
// Every wire is determined. Every point the gadget handles is A or R
// (asserted on E), a constant point of E (multiples of B, the identity), or
// the output of add, double or neg applied to points of E, hence on E. A
// coordinate is a product (x = a*b, one constraint that fixes x) or a
// quotient x*den = num with den != 0 by completeness, which fixes x too. So
// once the scalar bits are fixed, the prover has no freedom left: every
// intermediate value is a function of (A, R, S, M).
//
// Hints. The only hint of the package is decomposeHint (scalar bits); its
// outputs are constrained below. gnark's own DivUnchecked and
// AssertIsDifferent (inverse) hints are fixed by their constraints.
//
// The scalars. S is decomposed into 251 boolean wires whose weighted sum
// equals S. As 2^251 < p the sum cannot wrap around p, so the bits are the
// binary expansion of S and every S >= 2^251 (S = p-1 among them) is
// rejected. h is decomposed into 254 boolean wires whose sum V equals h
// modulo p; as integers V is h or h + p (h + 2p > 2^254). The comparison
// V < p rules out h + p, so V = h. Without it a prover could use h + p as
// the challenge: a second valid S for the same (R, A, M), which gnark and
// the native verifier reject (TestMutations shows one).
//
// Comparisons with a constant (S < l, V < p) run least significant window
// first: lt' = [w < c] + [w == c]*lt, where w is the window's value and c the
// constant's. For boolean bits the indicators are the multilinear
// polynomials through the window's monomials (products of its bits), linear
// in monomials the scalar multiplication computes anyway; each step costs
// one product, lt stays 0 or 1, and lt = 1 at the end iff the value is
// below the constant. S < l is strict (S = l and S + l are rejected).
//
// [h]A (variable base). With b0 the lowest bit of h, V - b0 + 1 is odd and
// equals sum_k d_k 4^k over 127 signed digits d_k = 2w_k - 3 in
// {-3, -1, 1, 3}, where w_k is the value of bits (2k+1, 2k+2) and the top
// window is (b253, 1). Horner's rule from the table {A, 3A} (3A = A + [2]A)
// with the complete law computes [V - b0 + 1]A on E, whatever A's
// small-order part; subtracting (1 - b0)A gives [h]A exactly, as an integer
// multiple (no reduction mod l is assumed).
//
// [S]B (fixed base). Window k of 4 bits selects [w_k 16^k]B from a constant
// table. Each coordinate of the entry is F + b3*G, where F and G are linear
// combinations (constant coefficients) of the monomials of the window's
// three low bits: for boolean bits this is the table entry. One addition
// adds it. The sum starts from -R - [h]A, so it ends at
// D = [S]B - R - [h]A.
//
// [8]D = O. For D = (x, y) on E, [2]D = (2xy/(1 + dx^2y^2),
// (x^2 + y^2)/(1 - dx^2y^2)), and the points of E with x = 0 are the
// identity and the point of order 2. So [8]D = O iff x([4]D) = 0 iff
// x([2]D)*y([2]D) = 0 iff x*y*(x^2 + y^2) = 0: four constraints instead of
// three doublings. The key check is the same argument one step earlier:
// [8]A != O iff x*y != 0 for [2]A = (x, y).
//
// Why A and R must be on the curve: off E the addition law is not a group
// law and its denominators can vanish. (0, 0) shows it: the law maps
// (0, 0) + P to (0, 0), which passes the final check, so without the R
// check every (A, S, M) verifies with R = (0, 0) (TestMutations). Off-curve
// points can also make a denominator and its numerator zero at once, which
// frees the quotient wire; the on-curve checks rule that out.
//
// # Mutation testing
//
// Each assertion of Verify is a named site (site constants in eddsa.go):
// A on curve, R on curve, [8]A != O, S's bits boolean, S's bits sum to S,
// S < l, h's bits boolean, h's bits sum to h, h < p, [8]D = O. Tests build
// the gadget with one site left out (verifier.skip) and TestMutations shows,
// for every site, an input that the gadget without that site accepts and
// the whole gadget rejects; it fails if a site has no such input. Most are
// whole signatures: R = (0, 0); a key of order 2 with R = B, S = 1; S + l;
// S + l with the bits of S (a replaced hint); a challenge replaced by 0 or
// by h + p; a mismatched message. Two are shown on the part they guard, as
// no whole forgery is known: non-boolean "bits" that still sum to the
// scalar, and an off-curve A.
//
// TestEveryConstraint (`make mutation`, part of `make test`) goes down to
// single constraints: it removes each of Verify's 5,005 R1CS constraints in
// turn and shows, for each, an attack that gets through without it and not
// with it. Removing an assertion drops a check; removing a product, quotient
// or selection frees its wire, and the attack chooses the wire's value. The
// test cuts Verify into the steps of the cost table below and watches the
// step that holds the constraint: a step that computes (the challenge,
// [2]A, [h]A with [h < p], -R - [h]A + [S]B with [S < l]) then gives outputs
// other than the true ones; a step that checks lets through what it exists
// to refuse (an off-curve point whose x^2, y^2 or product wire is set to
// satisfy the curve equation, a key of order 8, bit i of a decomposition
// equal to 2, a D of order l whose x*y or (x+y)^2 wire is set to make
// [8]D look like O). The comparisons with p and l are watched on h = p - 1
// and S = l - 1 as well, whose windows all equal the bound's, so that each
// step of the comparison reaches its result. TestCost checks that the
// steps' constraints add up to Verify's.
//
// # Cost (R1CS constraints, pinned by TestCost)
//
// Verify's steps (verifySteps in steps_test.go, which TestCost and
// TestEveryConstraint share):
//
//	A and R on the curve                              2 x 4
//	challenge H(R, A, msg), Poseidon2 (5 permutations)   930
//	[2]A and [8]A != O                                     7
//	h: 254 bits                                          255
//	h: 3A, [h]A over 127 signed windows, [h < p]        2663  (21 per window)
//	S: 251 bits                                          252
//	S: -R - [h]A + [S]B over 63 windows, [S < l]         884  (14 per window)
//	h < p and S < l asserted                          2 x 1
//	[8]D = O                                               4
//	total                                               5005
//
// A 2-bit signed window of [h]A costs two doublings (5 each), its digit's
// point (4: the product of its bits, the choice of A or 3A per coordinate,
// the sign), one addition (6) and one comparison step. A 4-bit window of
// [S]B costs the 4 monomials of its low bits, 2 for the entry, one
// addition and two comparison steps (low bits, top bit).
package eddsa
