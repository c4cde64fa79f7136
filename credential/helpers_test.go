package credential_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the known-answer files in testdata")

// wantErr fails unless err is non-nil and its message contains each of subs.
func wantErr(t *testing.T, err error, subs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want an error mentioning %q", subs)
	}
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("error %q does not mention %q", err, s)
		}
	}
}

// golden compares got with testdata/name, or rewrites the file under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s changed: this is a change to the signed format that the circuits and every issued credential depend on\ngot  %s\nwant %s", path, got, want)
	}
}

// readTestdata returns testdata/name.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// remove, as a value for edit, deletes the key.
type removeKey struct{}

var remove = removeKey{}

// edit decodes doc, sets the value at a dotted path ("months.3.status") and
// re-encodes it; numbers keep their exact text.
func edit(t *testing.T, doc []byte, path string, v any) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		t.Fatal(err)
	}
	keys := strings.Split(path, ".")
	node := root
	for _, k := range keys[:len(keys)-1] {
		switch n := node.(type) {
		case map[string]any:
			node = n[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil {
				t.Fatalf("edit %s: %v", path, err)
			}
			node = n[i]
		}
	}
	last := keys[len(keys)-1]
	switch n := node.(type) {
	case map[string]any:
		if v == remove {
			delete(n, last)
		} else {
			n[last] = v
		}
	case []any:
		i, err := strconv.Atoi(last)
		if err != nil {
			t.Fatalf("edit %s: %v", path, err)
		}
		n[i] = v
	default:
		t.Fatalf("edit %s: no object or array there", path)
	}
	out, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
