// Package registry holds accredited-issuer sets: per credential kind, the
// public keys of the issuers a registry operator accredits, committed to by
// a fixed-depth Poseidon2 Merkle root.
//
// A lender's policy names an issuer set for each credential it asks for;
// the policy/v1 circuit proves that each credential's issuer is a leaf of
// the set's tree without revealing which one ("signed by one of the 40
// accredited banks" is all a lender learns).
//
// Tree (Depth 6, so at most Capacity = 64 issuers per set):
//
//	leaf  = H("tacit/registry/leaf/v1", X, Y)   the issuer key's coordinates
//	node  = H("tacit/registry/node/v1", left, right)
//	empty = 0                                    unused leaves
//
// with H = credential.Hash. Issuers are sorted by their key's hex encoding,
// so a set has one tree and one root. An empty leaf is the element 0, which
// no issuer key hashes to (that would be a Poseidon2 preimage of 0).
//
// A registry file holds one or more sets; each set carries its current root
// and the roots it had before (retired). Changing a set's issuers retires
// its root. Verifiers accept only current roots: CheckRoot names a retired
// root with ErrRetiredRoot, so a proof made against a set from which an
// issuer has since been removed no longer verifies.
//
// Trust: the registry operator decides who is accredited; relying parties
// obtain the file (or its roots) from the operator over an authenticated
// channel. Loading recomputes every root from the listed keys and refuses a
// file whose roots do not match, and every key is checked to be a valid
// issuer key (on the curve, in the prime-order subgroup).
//
// Cost in circuit: a membership proof is Depth+1 sponge permutations plus
// Depth+1 bits, about 1.7k R1CS constraints per credential.
package registry
