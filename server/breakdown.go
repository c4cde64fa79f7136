package server

import (
	"log/slog"
	"sync"

	"github.com/tacit-zk/tacit/audit"
	"github.com/tacit-zk/tacit/circuits"
)

// blockJSON is one block of a circuit's constraint breakdown, as
// `tacit circuits explain` prints it.
type blockJSON struct {
	Name        string `json:"name"`
	Constraints int    `json:"constraints"`
}

// breakdowns caches, by circuit id, where each circuit's constraints go
// (audit.Explain). The answer depends only on the source the binary was
// built from, so it is computed once per process, on the first New that
// serves the circuit, and shared by every Server.
var breakdowns struct {
	mu   sync.Mutex
	byID map[string][]blockJSON
}

// breakdownFor returns info's breakdown, computing it if no earlier call
// did. Explain compiles the circuit under gnark's process-wide profiler and
// refuses to answer if another circuit was compiled at the same time; a
// failure is logged, not cached, and the circuit is then served without a
// breakdown (the next New tries again).
func breakdownFor(info circuits.Info, log *slog.Logger) []blockJSON {
	breakdowns.mu.Lock()
	defer breakdowns.mu.Unlock()
	if b, ok := breakdowns.byID[info.ID]; ok {
		return b
	}
	e, err := audit.Explain(info)
	if err != nil {
		log.Warn("circuit breakdown not computed; GET /v1/circuits omits it", "circuit", info.ID, "error", err.Error())
		return nil
	}
	b := make([]blockJSON, 0, len(e.Blocks))
	for _, blk := range e.Blocks {
		b = append(b, blockJSON{Name: blk.Name, Constraints: blk.Constraints})
	}
	if breakdowns.byID == nil {
		breakdowns.byID = map[string][]blockJSON{}
	}
	breakdowns.byID[info.ID] = b
	return b
}
