// Package challenges keeps the single-use challenges that lenders ask
// holders to answer, so that a proof cannot be replayed.
//
// A lender gets a Challenge (a random ID and a 256-bit Nonce, bound to a
// Statement and its Params) and hands it to a holder, whose proof commits to
// the nonce. When the lender submits the proof, the server Consumes the
// challenge: exactly one Consume of a challenge succeeds, however many run
// at once; later ones get ErrConsumed for as long as the challenge would
// have lived, and ErrNotFound after. Consume by another lender is
// ErrWrongLender and leaves the challenge in place.
//
// Each challenge also has a Record, kept for Retention (7 days) after its
// creation whatever becomes of the challenge: the challenge and, once its
// answer was verified or refused, the Verdict, kept by the Consume that
// used the challenge, in the same step. A lender
// reads its records by id or lists its newest (List, at most MaxListed),
// and sees each as pending, verified, refused or expired (Record.State).
//
// There are two implementations of Store with the same semantics: Memory,
// and Redis, where each challenge is a hash with a TTL and Consume is one
// Lua script (check the lender, delete, leave a tombstone); records are
// hashes and each lender's index a bounded sorted set, all expiring.
//
// Trust: the store trusts its callers to have authenticated the lender. A
// challenge ID is unguessable but not secret; the nonce is public too (it
// appears in the proof). Single use holds only within one store: lenders
// must not share challenges across deployments.
package challenges
