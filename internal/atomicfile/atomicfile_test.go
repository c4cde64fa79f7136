package atomicfile_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/tacit-zk/tacit/internal/atomicfile"
)

func TestWrite(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing []byte // nil: no file before
		mode     fs.FileMode
	}{
		{"new file", nil, 0o644},
		{"new secret", nil, 0o600},
		{"replaces a file", []byte("old contents, longer than the new ones"), 0o644},
		{"replaces a file and its mode", []byte("old"), 0o600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.json")
			if tc.existing != nil {
				if err := os.WriteFile(path, tc.existing, 0o666); err != nil {
					t.Fatal(err)
				}
			}
			want := []byte("{\"new\":true}\n")
			if err := atomicfile.Write(path, want, tc.mode); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("contents %q, want %q", got, want)
			}
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != tc.mode {
				t.Fatalf("mode %v, want %v", info.Mode().Perm(), tc.mode)
			}
			onlyFile(t, dir, "out.json")
		})
	}
}

func TestWriteLeavesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	// A directory in the way: the rename fails after the temporary file is
	// written.
	path := filepath.Join(dir, "taken")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "inside"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(path, []byte("data"), 0o644); err == nil {
		t.Fatal("replaced a non-empty directory")
	}
	onlyFile(t, dir, "taken")

	missing := filepath.Join(dir, "no-such-dir", "out")
	if err := atomicfile.Write(missing, []byte("data"), 0o644); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error %v, want one for the missing directory", err)
	}
}

// onlyFile fails unless dir holds exactly the entry name (no temporary file
// left behind).
func onlyFile(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %q, want only %q", names, name)
	}
}
