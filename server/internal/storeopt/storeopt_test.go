package storeopt

import "testing"

func TestTagged(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"tacit:", "{tacit}:"},
		{"{tacit}:", "{tacit}:"},
		{"app", "{app}"},
		{"a:b:", "{a:b}:"},
		{":", "{:}"},
		{"x{y}:", "x{y}:"},     // tagged in the middle
		{"{a}{b}:", "{a}{b}:"}, // the first tag counts
	} {
		got, err := Tagged(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Tagged(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if !HasTag(got) {
			t.Errorf("Tagged(%q) = %q has no tag", tc.in, got)
		}
	}
	// Braces without a tag: Redis hashes the whole key, and wrapping
	// cannot fix it.
	for _, in := range []string{"", "{}:", "}{a:", "pre{:", "a}"} {
		if got, err := Tagged(in); err == nil {
			t.Errorf("Tagged(%q) = %q, want an error", in, got)
		}
	}
	if !HasTag(DefaultPrefix) {
		t.Fatalf("DefaultPrefix %q has no hash tag", DefaultPrefix)
	}
}

func TestWithKeyPrefixTags(t *testing.T) {
	o, err := Apply(nil, []Option{WithKeyPrefix("x", "app:")})
	if err != nil || o.Prefix != "{app}:" {
		t.Fatalf("prefix %q, %v; want {app}:", o.Prefix, err)
	}
	if _, err := Apply(nil, []Option{WithKeyPrefix("x", "{}:")}); err == nil {
		t.Fatal("WithKeyPrefix took a prefix with an empty tag")
	}
}
