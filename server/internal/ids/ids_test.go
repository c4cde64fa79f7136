package ids

import "testing"

func TestNewIsValidAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := New()
		if !Valid(id) {
			t.Fatalf("New() = %q, not Valid", id)
		}
		if seen[id] {
			t.Fatalf("New() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestValidRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"short",
		"AAAAAAAAAAAAAAAAAAAAAAA", // 23 characters
		"AAAAAAAAAAAAAAAAAAAAA/",  // standard, not URL, alphabet
		"AAAAAAAAAAAAAAAAAAAAA=",  // padding
		"AAAAAAAAAAAAAAAAAAAAAB",  // non-zero trailing bits
		"AAAAAAAAAAAAAAAAAAAA:AA", // key separator
		"../../AAAAAAAAAAAAAAAA",  // path
	} {
		if Valid(s) {
			t.Errorf("Valid(%q) = true", s)
		}
	}
}
