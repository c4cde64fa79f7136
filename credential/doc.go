// Package credential defines what an issuer signs: a business's monthly
// record history, bound to the business's subject commitment, and the
// EdDSA signature over it.
//
// Everything here is native Go (no circuit code). The circuits in
// circuits/ recompute exactly the same hashes, so every layout choice in
// this package is part of the statement an auditor checks:
//
//   - Records: 1 to MaxMonths consecutive months, each with a Status
//     (ok, late30, late60, late90, default) and an Amount in minor units
//     below 2^48.
//   - Hash: a width-3 Poseidon2 sponge over BN254's scalar field (rate 2,
//     capacity 1) whose capacity starts at a domain tag that also fixes the
//     input length (hash.go). Every hash in tacit is domain separated.
//   - Message, layout v1 (credential.go): a fixed layout of MessageElements
//     field elements (header, subject, issuer key, packed statuses, packed
//     amounts), always padded to MaxMonths so that one circuit serves every
//     history length. no-default/v1 and policy/v1 read it.
//   - Message, layout v2 (layout.go): the issuer signs a commitment to
//     separate parts, Hash(tacit/credential/v2, header, subject, statuses,
//     amountsDigest) with amountsDigest = Hash(tacit/credential/v2/amounts,
//     packed amounts). The v2 statements read it. A credential's Version is
//     its layout; its file records it ("version": 1 or 2), and a statement
//     given the other layout refuses it with a *LayoutError that says what
//     to do.
//   - Signature: gnark-crypto's EdDSA on BN254's twisted Edwards curve with
//     the Poseidon2 Merkle-Damgard hasher, over the message hash.
//   - Holder: a secret field element; its subject commitment is
//     H("tacit/subject/v1", secret), and its pseudonym towards a lender is
//     H("tacit/pseudonym/v1", secret, lender).
//
// Why a v2 statement may take the parts it does not read as private
// inputs. The issuer signs m = Hash(T2, h, s, st, d). A statement that
// reads only statuses takes d (the amounts digest) as a private input and
// recomputes m in circuit from h, s, st and that d; the signature check
// then forces m to be a hash the issuer signed. Suppose a prover passes
// with (h', s', st', d') where the issuer signed (h, s, st, d). Then
// Hash(T2, h', s', st', d') = Hash(T2, h, s, st, d), and unless the four
// elements are equal that is a Poseidon2 collision; with them equal, the
// header, subject and statuses the statement reads are exactly the signed
// ones and d is the issuer's digest, whatever amounts it commits to. A
// statement that reads amounts recomputes d from them, and the same
// argument one level down (a collision in the amounts hash) binds them.
// Mixing layouts cannot help either: v1 and v2 messages are hashes under
// different domain tags of different lengths (DomainTag binds both), and
// the header's version field differs, so a v1 signature is never a valid
// v2 signature for any message a prover can name (EUF-CMA of EdDSA).
//
// Layout v2 leaves the issuer key out of the message: EdDSA's challenge is
// H(R, A, M), which already binds the signature to the key A, and every
// circuit verifies under a key it has checked is on the curve and not of
// small order. Repeating A in M (as v1 does) costs a permutation in every
// statement and adds no binding. Packing header and statuses into one
// element (71 + 180 bits) would not save one either: four elements or
// three take two permutations alike.
//
// Cost in circuit (a Poseidon2 permutation is 241 R1CS constraints and
// absorbs two elements): the v1 message is 17 elements, 9 permutations
// (2,169 constraints) in every statement; the v2 message is 4 elements, 2
// permutations (482), plus 6 (1,446) for the amounts digest in a
// statement that reads amounts.
//
// Decoders are strict: every value has exactly one accepted encoding
// (lowercase hex of canonical field elements and points, no unknown or
// duplicate JSON fields, no trailing data), and errors name the field.
//
// Trust: the signature says only that the issuer vouches for the records; a
// verifier still decides which issuer keys it trusts.
package credential
