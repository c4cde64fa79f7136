package auth_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/server/auth"
)

// TestLoadRefusesHostileFiles: a key file is read within a size bound and
// each line decoded strictly; errors name the line and echo no hash.
func TestLoadRefusesHostileFiles(t *testing.T) {
	_, e, err := auth.NewKey("bank-a", auth.RoleLender)
	if err != nil {
		t.Fatal(err)
	}
	good := `{"name":"bank-a","role":"lender","sha256":"` + e.Hash + `"}`
	for _, tc := range []struct{ name, file, want string }{
		{"duplicate key", `{"name":"bank-a","role":"lender","role":"admin","sha256":"` + e.Hash + `"}`, `line 1: field "role" appears twice`},
		{"unknown field", good + "\n" + `{"name":"x","role":"lender","sha256":"` + e.Hash + `","admin":true}`, `line 2: unknown field "admin"`},
		{"deep nesting", `{"name":` + strings.Repeat("[", 1000) + `}`, `line 1: field "name": expected a string, got JSON array`},
		{"invalid UTF-8", "{\"name\":\"bank\xff\",\"role\":\"lender\",\"sha256\":\"" + e.Hash + "\"}", `line 1: field "name": a string is not valid UTF-8`},
		{"a line longer than the scanner's", good + "\n" + strings.Repeat(" ", 100<<10) + good, "token too long"},
		{"over the size bound", good + "\n" + strings.Repeat("\n", auth.MaxFileSize), "file larger than 4194304 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys.jsonl")
			if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := auth.Load(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "keys.jsonl")
	if err := auth.Append(path, e); err != nil {
		t.Fatal(err)
	}
	if b, err := auth.Load(path); err != nil || b.Len() != 1 {
		t.Fatalf("a good file: %v", err)
	}
}
