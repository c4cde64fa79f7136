// Package server is tacit's HTTP API (labstack/echo/v4) and its proving
// workers.
//
// Lenders create single-use challenges and verify attestations against
// them; businesses submit proof jobs (a credential and a holder secret for a
// challenge) and collect the attestation; auditors re-check archived
// attestations; admins manage the trusted issuers. Storage sits behind small
// interfaces (jobs.Queue, challenges.Store, issuers.Store, ratelimit) with an
// in-memory implementation and a Redis one, so one binary runs alone or as a
// fleet of servers and `tacit worker` processes sharing a Redis.
//
// Privacy: a job's payload (credential and holder secret) is sealed with
// AES-256-GCM before it reaches the queue and deleted when the job ends. No
// request body is logged; errors carry a stable code and a constant message;
// a failed proof says only that the statement does not hold; lenders see no
// proving times. echo never runs in debug mode, and every echo import lives
// in this package tree.
//
// Trust: the service holds a business's secret while its job runs. A
// business that does not want that proves locally with the CLI and hands
// the attestation straight to the lender.
package server
