// Command service drives a running tacit server for
// scripts/bench-service.sh and scripts/bench-workers.sh, which measure the
// HTTP service as a whole: real `tacit serve` and `tacit worker`
// processes, loaded from the same machine.
//
//	service attest   make one real attestation through the API (lender
//	                 challenge, business proof job, poll) and write the
//	                 body of an auditor re-check request for it
//	service jobs     submit N proof jobs at a fixed interval, poll each
//	                 until it ends and report submit-to-done latency
//	service batch    submit N proof jobs at once, poll each until done and
//	                 report jobs/s over the batch and submit-to-done times
//	service replay   prove one challenge, then verify its attestation N
//	                 times at once, alternating between two servers, and
//	                 count successes and challenge_used refusals
//	service vegeta   summarise a `vegeta report -type=json` as key=value
//	service median   the per-key median of key=value lines (one per run)
//	service freeport print a free TCP port on 127.0.0.1
//
// The verification load itself comes from vegeta (pinned in the script),
// an open-loop generator: requests leave at the fixed rate whether or not
// earlier ones have been answered, so queueing shows in the latencies.
// It talks to the server only over HTTP, as any client would.
package main
