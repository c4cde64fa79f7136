// Package policyv2 is the statement policy/v2: policy/v1's statement (the
// same policy language, public inputs, attestation section and native
// check, all in package policy) over layout-v2 credentials, in a circuit
// of at most 2^15 R1CS constraints, so that its proving domain is half of
// policy/v1's.
//
//	"The holder of secret s has up to 3 credentials, each signed by a
//	member of the issuer set whose root is R_k, each of the kind the slot
//	requires, each from a different issuer, none expired on the first day
//	of T; and up to 4 rules hold over the months [T-W, T) of the
//	credential each names."
//
// Public inputs: policy/v1's 28, in the same order, with the same meaning
// and the same checks for a verifier (see package policy).
//
// What changes, and why every guarantee of policy/v1 holds:
//
//   - Credentials are of layout v2 (package credential): the issuer signs
//     H(header, subject, statuses, amountsDigest), amountsDigest being
//     H(packed amounts). Each slot hashes its 4-element message (2
//     permutations instead of 9) with its own statuses and takes its
//     amountsDigest as a private input. Only the amount slot's amounts are
//     read: Circuit.Amounts is hashed once and must equal the digest of the
//     slot AmountSlot names (a private selector every amount rule's slot
//     must equal, as in v1). The issuer signed that digest, so by collision
//     resistance the amounts are the signed ones. The issuer key is not in
//     the v2 message; the EdDSA challenge H(R, A, M) binds the signature to
//     the key, and the key's leaf is proven under the slot's root.
//   - Signatures are checked with circuits/gadget/eddsa (the same checks as
//     gnark's std/signature/eddsa plus S < l, key and R on the curve, key
//     not of small order), 5,005 constraints instead of 7,049. The gadget
//     asserts, it has no "is valid" output to gate, so a padding slot
//     verifies a fixed valid signature instead of its own (padding.go): key,
//     R, S and message are each used*own + (1-used)*constant, one
//     constraint each. A used slot (used = 1) verifies exactly its own.
//   - Rules read one packed tally per month, T_i = t0_i + t1_i 2^30 +
//     t2_i 2^60 + a_i 2^90, where tk_i = 64^min(status,4) of slot k and a_i
//     the amount: a rule's masked sum is one product per month (v1 selected
//     the slot's tally per month first, two more). Its 144-bit
//     decomposition gives every slot's five 6-bit counts and the 54-bit
//     amount sum; the rule's slot selector then picks its counts. The
//     decomposition is unique: each honest part fits its width (counts are
//     at most 60, a sum of 60 amounts below 2^48 is below 2^54) and 2^144
//     is far below the field's size.
//   - The minimum rule's bound is one scaled window b_i = X on the rule's
//     window and 0 elsewhere (scaledWindow: a hint, b_i(b_i - X) = 0 and
//     the window equations multiplied by X, one constraint per month), and
//     every amount a_i satisfies a_i - b_i < 2^48 after a_i < 2^48 (the
//     packed amounts decomposed bit by bit, which makes the packing
//     injective). At most one rule is a minimum rule (checked in circuit
//     and by Public.Validate). Both decompositions are needed: with amounts
//     packed 48 bits apart, a decomposition of a_i - b_i alone would let a
//     prover move 2^48 into a month of the window from the next one.
//
// Everything else is policy/v1's, with policy/v1's gadgets (WindowMask,
// MerkleRoot, SlotSelector, Mux, OneHot): header ranges, kinds and the
// used flag, a padding slot's root 0, the distinct-issuer check, expiry,
// a disabled rule's zero parameters, each rule's window inside its
// credential, thresholds below 2^54 and every comparison a range-checked
// difference.
//
// Cost (R1CS, BN254; circuits/testdata/constraints.golden has the total,
// 32,579 of the 32,768 a 2^15 domain holds): per slot 2.57k besides the
// signature (membership 1.69k, message 0.48k, statuses 0.3k, header
// ranges, expiry and gates 0.1k) and 5.0k for the signature, 22.7k for
// three; amounts 7.28k once (digest 1.44k, decomposition 2.89k, minimum
// 2.94k); 0.47k per rule, 1.9k for four; subject and pseudonym 0.48k.
package policyv2
