package devenv_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/server/auth"
	"github.com/tacit-zk/tacit/server/devenv"
	"github.com/tacit-zk/tacit/server/issuers"
)

// slowSetup stands in for keys.Setup: it writes part of each circuit's
// folder, waits for proceed, then writes the rest. It reports the
// directory it writes to on started and closes finished when it returns.
type slowSetup struct {
	started  chan string
	proceed  chan struct{}
	finished chan struct{}
}

func newSlowSetup() *slowSetup {
	return &slowSetup{started: make(chan string, 1), proceed: make(chan struct{}), finished: make(chan struct{})}
}

func (s *slowSetup) run(dir string, _ io.Writer, ids ...string) error {
	defer close(s.finished)
	for _, id := range ids {
		d := filepath.Join(dir, keys.Folder(id))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(d, keys.CircuitFile), []byte("half"), 0o644); err != nil {
			return err
		}
	}
	s.started <- dir
	<-s.proceed
	for _, id := range ids {
		if err := os.WriteFile(filepath.Join(dir, keys.Folder(id), keys.ManifestFile), fakeManifest(id), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func devConfig(t *testing.T, kd string) devenv.Config {
	return devenv.Config{Dir: filepath.Join(t.TempDir(), ".tacit-dev"), Keys: kd, Auth: auth.NewBook(), Issuers: issuers.NewMemory(), Out: &bytes.Buffer{}}
}

// TestSetupStopsOnCancel: cancelling the context (Ctrl-C) during the
// first-start key setup returns at once and leaves no key folder, whole or
// half-written, behind; the setup's temporary output is removed.
func TestSetupStopsOnCancel(t *testing.T) {
	slow := newSlowSetup()
	defer devenv.SetRunSetup(slow.run)()
	kd := filepath.Join(t.TempDir(), "keys")
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := devenv.Setup(ctx, devConfig(t, kd))
		errc <- err
	}()
	tmp := <-slow.started
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Setup = %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Setup did not return within 2s of the cancellation")
	}
	close(slow.proceed)
	<-slow.finished
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(tmp); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the setup's temporary directory %s is left", tmp)
		}
	}
	entries, _ := os.ReadDir(kd)
	if len(entries) != 0 {
		t.Fatalf("the key directory holds %v after an interrupted setup", entries)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(kd), ".keys.setup-*")); len(leftovers) != 0 {
		t.Fatalf("left: %v", leftovers)
	}
}

// TestSetupMovesKeysIntoPlace: a setup that completes moves every circuit's
// folder into the key directory; a folder with files and no manifest is
// not silently replaced.
func TestSetupMovesKeysIntoPlace(t *testing.T) {
	slow := newSlowSetup()
	close(slow.proceed)
	defer devenv.SetRunSetup(slow.run)()
	kd := filepath.Join(t.TempDir(), "keys")
	if _, err := devenv.Setup(context.Background(), devConfig(t, kd)); err != nil {
		t.Fatal(err)
	}
	for _, info := range circuits.All() {
		if _, err := keys.ReadManifest(kd, info.ID); err != nil {
			t.Errorf("%s: %v", info.ID, err)
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(kd), ".keys.setup-*")); len(leftovers) != 0 {
		t.Fatalf("left: %v", leftovers)
	}

	broken := filepath.Join(t.TempDir(), "keys")
	folder := filepath.Join(broken, keys.Folder(circuits.All()[0].ID))
	os.MkdirAll(folder, 0o755)
	os.WriteFile(filepath.Join(folder, keys.ProvingFile), []byte("x"), 0o644)
	slow2 := newSlowSetup()
	close(slow2.proceed)
	defer devenv.SetRunSetup(slow2.run)()
	if _, err := devenv.Setup(context.Background(), devConfig(t, broken)); err == nil || !strings.Contains(err.Error(), "no readable manifest") {
		t.Fatalf("Setup over a folder without a manifest = %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(folder, keys.ProvingFile)); string(data) != "x" {
		t.Fatal("the folder was replaced")
	}
}
