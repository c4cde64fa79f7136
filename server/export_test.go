package server

import "github.com/tacit-zk/tacit/server/jobs"

// SetBeforeProve sets w's test hook, which runs after each claim and
// before proving (for the fault and shutdown tests).
func (w *Worker) SetBeforeProve(hook func(jobs.ID)) { w.beforeProve = hook }
