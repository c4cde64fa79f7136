package server_test

import (
	"flag"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/consensys/gnark/logger"

	"github.com/tacit-zk/tacit/circuits/nodefaultv2"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/server/internal/redistest"
)

// keyDir holds the keys every test in this binary shares, set up once per
// `go test` process.
var keyDir string

func TestMain(m *testing.M) {
	logger.Disable()
	if cfg := os.Getenv(workerProcessEnv); cfg != "" {
		// Re-executed by spawnWorker as a `tacit worker` stand-in.
		os.Exit(workerProcess(cfg))
	}
	flag.Parse()
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		// A fuzzing process runs only the fuzz targets, which use the
		// committed verifying keys (fuzzKeys): setting up keys under
		// coverage instrumentation would hold up every worker start.
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "tacit-server-keys-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := setupKeys(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	keyDir = dir
	code := m.Run()
	redistest.StopCluster()
	os.RemoveAll(dir)
	if policyKeyDir != "" {
		os.RemoveAll(policyKeyDir)
	}
	os.Exit(code)
}

// setupKeys sets up no-default/v2 alone, the default version, (about 1.5 s): most tests need no
// other circuit, and the policy tests set up their own (policy_test.go).
func setupKeys(dir string) error { return keys.Setup(dir, io.Discard, nodefaultv2.ID) }
