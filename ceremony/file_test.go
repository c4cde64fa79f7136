package ceremony

import (
	"strings"
	"testing"
)

// TestValidateName: contributor names become part of step file names, so
// on top of the shared charset they must start with a letter or digit.
func TestValidateName(t *testing.T) {
	for _, ok := range []string{"alice", "a", "0", "bank-1.ops_team", strings.Repeat("a", 32)} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("ValidateName(%q): %v", ok, err)
		}
		if !stepFile.MatchString("phase1-0001-" + ok + ".bin") {
			t.Errorf("step file name refuses contributor %q", ok)
		}
	}
	for _, bad := range []string{"", strings.Repeat("a", 33), ".alice", "-alice", "_alice", "Alice", "al ice", "al/ice", "älice"} {
		err := ValidateName(bad)
		if err == nil || !strings.Contains(err.Error(), "ceremony: contributor name") || !strings.Contains(err.Error(), "starting with a letter or digit") {
			t.Errorf("ValidateName(%q) = %v, want the contributor name error", bad, err)
		}
		if stepFile.MatchString("phase1-0001-" + bad + ".bin") {
			t.Errorf("step file name accepts contributor %q", bad)
		}
	}
}
