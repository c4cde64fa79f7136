package auth_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server/auth"
)

// keyFile writes a key file with one key per principal and returns its path
// and the keys by name.
func keyFile(t *testing.T, principals ...auth.Principal) (string, map[string]string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys.jsonl")
	keys := map[string]string{}
	for _, p := range principals {
		key, entry, err := auth.NewKey(p.Name, p.Role)
		if err != nil {
			t.Fatal(err)
		}
		if err := auth.Append(path, entry); err != nil {
			t.Fatal(err)
		}
		keys[p.Name+"/"+string(p.Role)] = key
	}
	return path, keys
}

func TestRevoke(t *testing.T) {
	ps := []auth.Principal{{Name: "acme", Role: auth.RoleBusiness}, {Name: "bank-a", Role: auth.RoleLender}, {Name: "acme", Role: auth.RoleAuditor}}
	t.Run("by name removes every key of the principal", func(t *testing.T) {
		path, _ := keyFile(t, ps...)
		removed, err := auth.Revoke(path, "acme")
		if err != nil || len(removed) != 2 {
			t.Fatalf("Revoke = %v, %v", removed, err)
		}
		left, err := auth.ReadFile(path)
		if err != nil || len(left) != 1 || left[0].Name != "bank-a" {
			t.Fatalf("left %v, %v", left, err)
		}
		if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, want 0600", info.Mode().Perm())
		}
	})
	t.Run("by sha256 and by a unique prefix", func(t *testing.T) {
		path, _ := keyFile(t, ps...)
		entries, _ := auth.ReadFile(path)
		if removed, err := auth.Revoke(path, entries[0].Hash); err != nil || len(removed) != 1 || removed[0] != entries[0] {
			t.Fatalf("Revoke(hash) = %v, %v", removed, err)
		}
		if removed, err := auth.Revoke(path, entries[2].Hash[:12]); err != nil || len(removed) != 1 || removed[0] != entries[2] {
			t.Fatalf("Revoke(prefix) = %v, %v", removed, err)
		}
		left, _ := auth.ReadFile(path)
		if len(left) != 1 || left[0] != entries[1] {
			t.Fatalf("left %v", left)
		}
	})
	t.Run("unknown or too short", func(t *testing.T) {
		path, _ := keyFile(t, ps...)
		before, _ := os.ReadFile(path)
		entries, _ := auth.ReadFile(path)
		for _, which := range []string{"globex", entries[0].Hash[:7], "", "zzzzzzzzzz"} {
			if _, err := auth.Revoke(path, which); err == nil {
				t.Errorf("Revoke(%q) succeeded", which)
			}
		}
		if _, err := auth.Revoke(path, "globex"); !errors.Is(err, auth.ErrNoSuchKey) {
			t.Errorf("Revoke(unknown) = %v, want ErrNoSuchKey", err)
		}
		if after, _ := os.ReadFile(path); string(after) != string(before) {
			t.Fatal("a refused revocation changed the file")
		}
	})
}

func TestReloader(t *testing.T) {
	path, keys := keyFile(t, auth.Principal{Name: "acme", Role: auth.RoleBusiness}, auth.Principal{Name: "bank-a", Role: auth.RoleLender})
	book, err := auth.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	demo, _, _ := auth.NewKey("demo", auth.RoleAdmin)
	book.Add(demo, auth.Principal{Name: "demo", Role: auth.RoleAdmin})
	r, err := auth.NewReloader(path, book, nil)
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := r.Reload(); changed || err != nil {
		t.Fatalf("Reload of an unchanged file = %v, %v", changed, err)
	}

	// A new key is accepted, a revoked one refused, the added key kept.
	newKey, entry, _ := auth.NewKey("globex", auth.RoleBusiness)
	if err := auth.Append(path, entry); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Revoke(path, "acme"); err != nil {
		t.Fatal(err)
	}
	if changed, err := r.Reload(); !changed || err != nil {
		t.Fatalf("Reload = %v, %v", changed, err)
	}
	for key, want := range map[string]error{keys["acme/business"]: auth.ErrUnknownKey, keys["bank-a/lender"]: nil, newKey: nil, demo: nil} {
		if _, err := book.Lookup(key); !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Errorf("Lookup = %v, want %v", err, want)
		}
	}

	// A broken file leaves the book as it was.
	if err := os.WriteFile(path, []byte("{not json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if changed, err := r.Reload(); changed || err == nil {
		t.Fatalf("Reload of a broken file = %v, %v", changed, err)
	}
	if changed, err := r.Reload(); changed || err != nil {
		t.Fatalf("second Reload of the same broken file = %v, %v (reported twice)", changed, err)
	}
	if _, err := book.Lookup(newKey); err != nil {
		t.Fatalf("a broken file dropped keys: %v", err)
	}

	// Revoking the last key leaves a book that refuses every file key.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if changed, err := r.Reload(); !changed || err != nil {
		t.Fatalf("Reload of an empty file = %v, %v", changed, err)
	}
	if _, err := book.Lookup(keys["bank-a/lender"]); !errors.Is(err, auth.ErrUnknownKey) {
		t.Fatalf("key of an emptied file: %v", err)
	}
}

func TestReloaderRun(t *testing.T) {
	path, keys := keyFile(t, auth.Principal{Name: "acme", Role: auth.RoleBusiness}, auth.Principal{Name: "bank-a", Role: auth.RoleLender})
	book, _ := auth.Load(path)
	reloaded := make(chan error, 10)
	r, err := auth.NewReloader(path, book, func(_ int, err error) { reloaded <- err })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx, 10*time.Millisecond, nil)
	if _, err := auth.Revoke(path, "acme"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-reloaded:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no reload within 5s")
	}
	if _, err := book.Lookup(keys["acme/business"]); !errors.Is(err, auth.ErrUnknownKey) {
		t.Fatalf("revoked key: %v", err)
	}
}
