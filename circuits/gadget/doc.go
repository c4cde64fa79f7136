// Package gadget holds the in-circuit building blocks that tacit's circuits
// share: the domain-separated Poseidon2 sponge (the circuit twin of
// credential.Hash), range checks and the credential message layout.
//
// Cost (R1CS, BN254): one sponge permutation is 241 constraints and absorbs
// two elements; a range check of n bits is n+1 constraints.
package gadget
