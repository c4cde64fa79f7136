package name_test

import (
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/internal/name"
)

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		s    string
		max  int
		want bool
	}{
		{"a", 1, true},
		{"bank-1.loans_v2", 64, true},
		{"0", 64, true},
		{".-_", 64, true},
		{strings.Repeat("a", 64), 64, true},
		{strings.Repeat("a", 65), 64, false},
		{strings.Repeat("a", 33), 32, false},
		{"", 64, false},
		{"Bank", 64, false},
		{"bank 1", 64, false},
		{"bank/1", 64, false},
		{"bank:1", 64, false},
		{"bänk", 64, false},
		{"ſ", 64, false},
		{"bank\x00", 64, false},
		{"bank\n", 64, false},
	} {
		if got := name.Valid(tc.s, tc.max); got != tc.want {
			t.Errorf("Valid(%q, %d) = %v, want %v", tc.s, tc.max, got, tc.want)
		}
	}
}
