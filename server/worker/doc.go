// Package worker proves queued proof jobs. A worker claims a job from the
// queue, opens its sealed payload, decodes the request through the
// statement it names, proves it and ends the job with the attestation or a
// constant public reason. It knows no statement by name.
//
// Many workers, in one process (`tacit serve`) or many (`tacit worker`),
// may share a queue. A worker killed mid-job leaves the job to be
// reclaimed after the queue's claim timeout.
package worker
