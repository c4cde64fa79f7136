// Package jobs is the proof-job queue: it takes jobs from the API, hands
// them to prover workers and keeps each job's state for its owner to read.
//
// A job moves queued -> proving -> done | failed. Enqueue stores the
// caller's payload (already sealed, see package sealed) under its own key
// with a TTL and queues the job's ID; Claim hands a job to one worker at a
// time as a Delivery, reclaiming it from a worker that has held it longer
// than Config.ClaimTimeout without finishing (a dead worker); Complete and
// Fail end it and delete the payload at once; Release and Retry give it
// back. A job handed out more than Config.MaxAttempts times fails with
// ReasonRepeated instead of being handed out again, so a job that crashes
// its workers cannot loop. Enqueue with an idempotency key returns the
// owner's earlier job for the same key instead of queueing another, and
// refuses new work with ErrQueueFull while the backlog (queued plus in
// flight) is at Config.MaxBacklog.
//
// There are two implementations of Queue with the same semantics: Memory
// for tests and single-process use, and Redis, a stream with one consumer
// group (XADD, XREADGROUP, XAUTOCLAIM, XACK) plus a hash of state and a
// payload string per job, every multi-key change in one Lua script. See
// NewRedis for the key layout.
//
// Delivery is at least once: a worker that is slow rather than dead (or
// cut off from Redis) can lose its delivery to another worker after
// ClaimTimeout. Its attestation is still kept if it comes first (Complete
// succeeds while the job is queued or proving; the first result wins);
// anything else it tries gets ErrLeaseLost. Workers must therefore be
// idempotent, and ClaimTimeout must exceed the longest proving time. A
// reclaim counts as an attempt only when the workers' clock, which stands
// still while no worker reaches the queue, ran a whole ClaimTimeout (see
// Config.ClaimTimeout): an outage never fails a job as repeated.
//
// Trust: the queue trusts its callers. It does not read payloads, so it
// never sees private data in the clear as long as callers seal them; stream
// entries carry only the job ID. Job IDs are unguessable but not secret:
// Get checks the owner, and a job of another owner is ErrNotFound. Results
// and failure reasons are shown to the owner, so Fail must be given a
// constant public reason, never an error's text.
package jobs
