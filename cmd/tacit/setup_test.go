package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark/logger"

	"github.com/tacit-zk/tacit/ceremony"
	"github.com/tacit-zk/tacit/keys"
)

// TestKeysSetupGuardsExistingKeys: a second setup is refused without
// --force, and ceremony keys are refused even with it unless
// --replace-ceremony-keys is given too.
func TestKeysSetupGuardsExistingKeys(t *testing.T) {
	logger.Disable()
	if ceremony.Kind != keys.SetupCeremony {
		t.Fatalf("ceremony.Kind %q != keys.SetupCeremony %q", ceremony.Kind, keys.SetupCeremony)
	}
	dir := filepath.Join(t.TempDir(), "keys")
	setup := func(extra ...string) (int, string) {
		code, _, errOut := tacit(t, append([]string{"keys", "setup", "--dir", dir, "--circuit", "no-default/v1"}, extra...)...)
		return code, errOut
	}
	if code, errOut := setup(); code != 0 {
		t.Fatalf("first setup: exit %d: %s", code, errOut)
	}
	manifest := filepath.Join(dir, "no-default-v1", keys.ManifestFile)
	before, _ := os.ReadFile(manifest)
	if code, errOut := setup(); code == 0 || !strings.Contains(errOut, "--force") {
		t.Fatalf("second setup without --force: exit %d: %s", code, errOut)
	}
	if after, _ := os.ReadFile(manifest); string(after) != string(before) {
		t.Fatal("a refused setup changed the keys")
	}

	var m keys.Manifest
	if err := json.Unmarshal(before, &m); err != nil {
		t.Fatal(err)
	}
	m.Setup = keys.SetupInfo{Kind: ceremony.Kind, Transcript: strings.Repeat("ab", 32)}
	sealed, _ := json.Marshal(m)
	if err := os.WriteFile(manifest, sealed, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, extra := range [][]string{nil, {"--force"}, {"--replace-ceremony-keys"}} {
		code, errOut := setup(extra...)
		if code == 0 || !strings.Contains(errOut, "ceremony") || !strings.Contains(errOut, "--replace-ceremony-keys") {
			t.Fatalf("setup %v over ceremony keys: exit %d: %s", extra, code, errOut)
		}
		if after, _ := os.ReadFile(manifest); string(after) != string(sealed) {
			t.Fatalf("setup %v replaced ceremony keys", extra)
		}
	}
	if code, errOut := setup("--force", "--replace-ceremony-keys"); code != 0 {
		t.Fatalf("forced setup: exit %d: %s", code, errOut)
	}
	got, err := keys.ReadManifest(dir, "no-default/v1")
	if err != nil || got.Setup.Kind != keys.SetupDevelopment {
		t.Fatalf("after the forced setup: %+v, %v", got, err)
	}
}
