// Package policy is the statement policy/v1: a lender's whole policy in one
// proof.
//
//	"The holder of secret s has up to 3 credentials, each signed by a
//	member of the issuer set whose root is R_k, each of the kind the slot
//	requires, each from a different issuer, none expired on the first day
//	of T; and up to 4 rules hold over the months [T-W, T) of the
//	credential each names."
//
// The rules' kinds, slots, windows and thresholds are public inputs, so one
// circuit and one trusted setup serve every lender's policy (package
// policy, at the repository root, turns a policy document into them).
//
// Public inputs, in order, and what a verifier must check about each:
//
//	Policy       the policy hash; the verifier recomputes it from its own
//	             policy document (so a proof answers exactly one policy).
//	AsOf         T: month index (year*12 + month-1); every window ends at T.
//	AsOfDay      the day number of the first day of T; recomputed from T.
//	Lender       L: the verifier's lender identifier (statement.LenderID).
//	Nonce        N: the verifier's fresh challenge.
//	Pseudonym    P = H(tacit/pseudonym/v1, s, L): a public output.
//	Slots[k]     Kind (1 payment-history, 2 revenue, 0 unused) and Root
//	             (the issuer set's Merkle root, 0 if unused): the verifier
//	             derives the kind from the policy and checks the root is the
//	             current root of the set the policy names (registry.CheckRoot).
//	Rules[j]     Kind (a RuleKind, 0 disabled), Slot, Window, Threshold:
//	             derived by the verifier from the policy.
//
// That is 6 + 3*2 + 4*4 = 28 public inputs.
//
// For each used slot the circuit proves, for a private credential:
//
//   - the issuer's EdDSA signature over the credential's message hash is
//     valid (gnark's std/signature/eddsa, as in no-default/v1), the issuer
//     key is on the curve and not of small order, and R is on the curve;
//   - the message's kind is the slot's kind and its subject is
//     H(tacit/subject/v1, s) for the one holder secret s;
//   - the issuer key's leaf is under the slot's root (registry.Depth = 6:
//     64 issuers per set), without revealing which leaf;
//   - it had not expired on the first day of T;
//   - its issuer differs from every other used slot's issuer.
//
// Each enabled rule reads one used slot, covers a window [T-W, T) inside
// that credential's months (1 <= W <= 60), and holds:
//
//	no-month-at-or-above  no month in the window has status >= Threshold (1..4)
//	on-time               1000 * (months with status ok) >= Threshold * W
//	sum                   sum of the amounts >= Threshold
//	average               sum of the amounts >= Threshold * W
//	minimum               every amount in the window >= Threshold
//	history               (the window itself) the credential covers W months up to T
//
// All comparisons are exact: integers, cross-multiplied, never divided in
// the field, each difference range-checked so that a negative one (which
// wraps to a huge field element) fails. Every private value is
// range-checked before it is compared: statuses (3 bits, the packed element
// decomposed), amounts (48 bits each, the amount slot's 12 packed elements
// decomposed bit by bit, so the packing is injective and no value moves
// between months), header fields, thresholds (54 bits).
//
// Padding: an unused slot (kind 0) must have root 0; the checks that a
// padding witness could not pass (signature, membership, expiry,
// distinctness) are multiplied by the slot's used flag, and a rule that is
// not disabled must read a used slot. A disabled rule (kind 0) must have
// slot, window and threshold 0; only then is it ignored. The prover pads an
// unused slot with a copy of a used one.
//
// Restrictions (policy.Validate enforces them): the sum, average and
// minimum rules of one policy read one credential (the circuit decomposes
// one credential's amounts, chosen by a private selector that every amount
// rule's slot must equal), and there is at most one minimum rule (the
// circuit checks amount >= the sum of the minimum bounds covering a month,
// which is exact for one rule and only stricter for more).
//
// How the window is selected: a hint proposes 60 booleans; the constraints
// require that they be w of them whose indices have the run [lo, lo+w)'s
// sum and sum of squares, which only that run has (see WindowMask). One
// masked sum then yields, per rule, the number of months at each status and
// the sum of the amounts (splitTally).
//
// Cost (R1CS, BN254; circuits/testdata/constraints.golden has the total,
// 42,713): per slot 11.3k (EdDSA 7.05k, message hash 2.2k, membership
// 1.7k, statuses 0.3k, the rest header ranges, curve checks and expiry),
// so 34k for three; amounts of the amount slot 2.9k; the minimum check
// 2.9k; 0.6k per rule, 2.3k for four; subject and pseudonym 0.5k.
package policy
