package keys_test

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark/logger"

	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/keys"
)

var setups [2]string // two independent development setups

func TestMain(m *testing.M) {
	logger.Disable()
	for i := range setups {
		dir, err := os.MkdirTemp("", "tacit-keys-")
		if err != nil {
			panic(err)
		}
		if err := keys.Setup(dir, io.Discard, nodefault.ID); err != nil {
			panic(err)
		}
		setups[i] = dir
	}
	code := m.Run()
	for _, d := range setups {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// copyDir copies a key directory so a test can damage it.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func file(dir, name string) string { return filepath.Join(dir, keys.Folder(nodefault.ID), name) }

func TestSetupWritesCheckedArtefacts(t *testing.T) {
	m, err := keys.ReadManifest(setups[0], nodefault.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Gnark != "v0.16.1" || m.Constraints < 1000 || m.PublicInputs != 9 || m.Setup.Kind != keys.SetupDevelopment || !strings.Contains(m.Setup.Warning, "forge") {
		t.Fatalf("unexpected manifest %+v", m)
	}
	v, err := keys.LoadVerifying(setups[0], nodefault.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Fingerprint != m.Files[keys.VerifyingFile] || len(v.Fingerprint) != 64 {
		t.Fatal("fingerprint is not the manifest's sha256 of verifying.key")
	}
	p, err := keys.LoadProving(setups[0], nodefault.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Match(p.Key, v.Key); err != nil {
		t.Fatalf("Match: %v", err)
	}
}

func TestCorruptFilesAreRefused(t *testing.T) {
	for _, name := range []string{keys.CircuitFile, keys.ProvingFile, keys.VerifyingFile} {
		t.Run(name, func(t *testing.T) {
			dir := copyDir(t, setups[0])
			data, _ := os.ReadFile(file(dir, name))
			data[len(data)/2] ^= 1
			os.WriteFile(file(dir, name), data, 0o644)
			_, perr := keys.LoadProving(dir, nodefault.ID)
			_, verr := keys.LoadVerifying(dir, nodefault.ID)
			if name == keys.VerifyingFile {
				perr = verr
			}
			if !errors.Is(perr, keys.ErrFingerprint) {
				t.Fatalf("load = %v, want ErrFingerprint", perr)
			}
		})
	}
}

// TestFingerprintComesBeforeDecoding damages the files LoadProving decodes
// side by side in ways a decoder would trip on differently (cut short,
// grown, emptied, both at once): every load is refused for the
// fingerprint, never for a decoding error, and with both damaged the
// constraint system is named first, on every run.
func TestFingerprintComesBeforeDecoding(t *testing.T) {
	damage := map[string]func([]byte) []byte{
		"truncated": func(b []byte) []byte { return b[:len(b)/3] },
		"appended":  func(b []byte) []byte { return append(b, 0) },
		"emptied":   func([]byte) []byte { return nil },
	}
	for how, f := range damage {
		for _, names := range [][]string{{keys.CircuitFile}, {keys.ProvingFile}, {keys.CircuitFile, keys.ProvingFile}} {
			t.Run(how+"/"+strings.Join(names, "+"), func(t *testing.T) {
				dir := copyDir(t, setups[0])
				for _, name := range names {
					data, _ := os.ReadFile(file(dir, name))
					os.WriteFile(file(dir, name), f(data), 0o644)
				}
				for range 5 {
					_, err := keys.LoadProving(dir, nodefault.ID)
					if !errors.Is(err, keys.ErrFingerprint) || !strings.Contains(err.Error(), names[0]) {
						t.Fatalf("LoadProving = %v, want ErrFingerprint naming %s", err, names[0])
					}
				}
			})
		}
	}
}

// TestProvingKeyTrailingBytes: a proving key with bytes after the key, its
// fingerprint patched in the manifest to match, is refused by the decoder.
func TestProvingKeyTrailingBytes(t *testing.T) {
	dir := copyDir(t, setups[0])
	data, _ := os.ReadFile(file(dir, keys.ProvingFile))
	data = append(data, 0)
	os.WriteFile(file(dir, keys.ProvingFile), data, 0o644)
	patchManifest(t, dir, func(m *keys.Manifest) { m.Files[keys.ProvingFile] = keys.Fingerprint(data) })
	_, err := keys.LoadProving(dir, nodefault.ID)
	if err == nil || errors.Is(err, keys.ErrFingerprint) || !strings.Contains(err.Error(), "proving key of "+nodefault.ID+": 1 trailing bytes") {
		t.Fatalf("LoadProving = %v, want the proving key's 1 trailing bytes refused", err)
	}
}

// BenchmarkLoadProving is the key loading of a fresh `tacit prove`: read
// and fingerprint the constraint system and proving key of no-default/v1,
// then decode them.
func BenchmarkLoadProving(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := keys.LoadProving(setups[0], nodefault.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSwappedKeysAreRefused takes the verifying key of another setup: with
// the old manifest the fingerprint fails; with the manifest's hash patched to
// match, the proving/verifying key pairing check (Match) still fails.
func TestSwappedKeysAreRefused(t *testing.T) {
	dir := copyDir(t, setups[0])
	other, _ := os.ReadFile(file(setups[1], keys.VerifyingFile))
	os.WriteFile(file(dir, keys.VerifyingFile), other, 0o644)
	if _, err := keys.LoadVerifying(dir, nodefault.ID); !errors.Is(err, keys.ErrFingerprint) {
		t.Fatalf("LoadVerifying = %v, want ErrFingerprint", err)
	}
	patchManifest(t, dir, func(m *keys.Manifest) { m.Files[keys.VerifyingFile] = keys.Fingerprint(other) })
	if _, err := keys.LoadVerifying(dir, nodefault.ID); err != nil {
		t.Fatalf("patched manifest should load: %v", err)
	}
	v, err := keys.LoadVerifying(dir, nodefault.ID)
	if err != nil {
		t.Fatal(err)
	}
	p, err := keys.LoadProving(dir, nodefault.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Match(p.Key, v.Key); err == nil || !strings.Contains(err.Error(), "different setups") {
		t.Fatalf("Match accepted a verifying key from another setup: %v", err)
	}
}

func TestMissingKeys(t *testing.T) {
	if _, err := keys.LoadVerifying(t.TempDir(), nodefault.ID); !errors.Is(err, keys.ErrMissing) {
		t.Fatalf("got %v, want ErrMissing", err)
	}
	if _, err := keys.ReadManifest(setups[0], "policy/v1"); !errors.Is(err, keys.ErrMissing) {
		t.Fatalf("manifest of a circuit without keys: %v, want ErrMissing", err)
	}
}

func patchManifest(t *testing.T, dir string, f func(*keys.Manifest)) {
	t.Helper()
	m, err := keys.ReadManifest(dir, nodefault.ID)
	if err != nil {
		t.Fatal(err)
	}
	f(m)
	data, _ := json.Marshal(m)
	if err := os.WriteFile(file(dir, keys.ManifestFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheckOverwrite(t *testing.T) {
	dev := copyDir(t, setups[0])
	sealed := copyDir(t, setups[0])
	patchManifest(t, sealed, func(m *keys.Manifest) { m.Setup = keys.SetupInfo{Kind: keys.SetupCeremony, Transcript: "abc"} })
	broken := copyDir(t, setups[0])
	if err := os.WriteFile(file(broken, keys.ManifestFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	os.MkdirAll(filepath.Join(empty, keys.Folder(nodefault.ID)), 0o755)
	for _, tc := range []struct {
		name string
		dir  string
		ow   keys.Overwrite
		want error
	}{
		{"fresh directory", t.TempDir(), keys.Overwrite{}, nil},
		{"empty circuit folder", empty, keys.Overwrite{}, nil},
		{"development keys", dev, keys.Overwrite{}, keys.ErrExists},
		{"development keys, forced", dev, keys.Overwrite{Force: true}, nil},
		{"ceremony keys", sealed, keys.Overwrite{}, keys.ErrCeremonyKeys},
		{"ceremony keys, forced", sealed, keys.Overwrite{Force: true}, keys.ErrCeremonyKeys},
		{"ceremony keys, replace without force", sealed, keys.Overwrite{Ceremony: true}, keys.ErrCeremonyKeys},
		{"ceremony keys, forced twice", sealed, keys.Overwrite{Force: true, Ceremony: true}, nil},
		{"unreadable manifest, forced", broken, keys.Overwrite{Force: true}, keys.ErrCeremonyKeys},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := keys.CheckOverwrite(tc.dir, tc.ow, nodefault.ID)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("CheckOverwrite = %v, want %v", err, tc.want)
			}
		})
	}
	// A circuit that has no keys yet is not in the way.
	if err := keys.CheckOverwrite(dev, keys.Overwrite{}, "policy/v1"); err != nil {
		t.Fatalf("setting up another circuit: %v", err)
	}
}
