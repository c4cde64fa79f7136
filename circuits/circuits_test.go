package circuits_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/consensys/gnark/logger"

	"github.com/tacit-zk/tacit/circuits"
)

var update = flag.Bool("update", false, "rewrite testdata/constraints.golden")

const golden = "testdata/constraints.golden"

// TestConstraintCounts pins every circuit's constraint count and
// constraint-system digest (circuits.Digest, the sha256 of the serialized
// R1CS). A change here is a change to a statement's circuit, and a changed
// digest means keys made for the old circuit no longer fit: auditors must
// see it in review.
func TestConstraintCounts(t *testing.T) {
	logger.Disable()
	var b strings.Builder
	fmt.Fprintln(&b, "# circuit constraints (R1CS, BN254) and constraint-system sha256 -- regenerate with: go test ./circuits -run TestConstraintCounts -update")
	for _, info := range circuits.All() {
		ccs, err := circuits.Compile(info)
		if err != nil {
			t.Fatal(err)
		}
		digest, err := circuits.Digest(ccs)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %d %s\n", info.ID, ccs.GetNbConstraints(), digest)
	}
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != b.String() {
		t.Fatalf("constraint counts or digests changed:\n got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestNoDefaultWithinBudget: no-default/v2 fits an FFT domain of 8,192,
// half of v1's.
func TestNoDefaultWithinBudget(t *testing.T) {
	for _, tc := range []struct {
		id     string
		budget int
	}{{"no-default/v1", 12000}, {"no-default/v2", 8192}} {
		info, err := circuits.Lookup(tc.id)
		if err != nil {
			t.Fatal(err)
		}
		ccs, err := circuits.Compile(info)
		if err != nil {
			t.Fatal(err)
		}
		if n := ccs.GetNbConstraints(); n > tc.budget {
			t.Errorf("%s has %d constraints, budget %d", tc.id, n, tc.budget)
		}
		if n := ccs.GetNbPublicVariables() - 1; n != len(info.Inputs) {
			t.Errorf("%s has %d public inputs, registry describes %d", tc.id, n, len(info.Inputs))
		}
	}
}

// TestShortNamesResolveToV2: a lender asking "no-default" gets v2; v1 is
// asked for by its id.
func TestShortNamesResolveToV2(t *testing.T) {
	for name, want := range map[string]string{
		"no-default": "no-default/v2", "no-late90": "no-default/v2", "no-late60": "no-default/v2", "no-late30": "no-default/v2",
		"no-default/v2": "no-default/v2", "no-default/v1": "no-default/v1",
	} {
		st, err := circuits.Resolve(name)
		if err != nil || st.ID() != want {
			t.Errorf("Resolve(%q) = %v, %v; want %s", name, st, err, want)
		}
	}
}

// TestDigestIsDeterministic compiles in two separate processes and compares
// the constraint-system digests.
func TestDigestIsDeterministic(t *testing.T) {
	if os.Getenv("TACIT_PRINT_DIGEST") == "1" {
		for _, info := range circuits.All() {
			ccs, err := circuits.Compile(info)
			if err != nil {
				t.Fatal(err)
			}
			d, _ := circuits.Digest(ccs)
			fmt.Printf("DIGEST %s %s\n", info.ID, d)
		}
		return
	}
	digests := func() string {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestDigestIsDeterministic$")
		cmd.Env = append(os.Environ(), "TACIT_PRINT_DIGEST=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "DIGEST ") {
				lines = append(lines, sc.Text())
			}
		}
		return strings.Join(lines, "\n")
	}
	a, b := digests(), digests()
	if a == "" || a != b {
		t.Fatalf("digests differ between runs:\n%s\n---\n%s", a, b)
	}
}

func TestLookupUnknown(t *testing.T) {
	if _, err := circuits.Lookup("no-such/v9"); err == nil {
		t.Fatal("unknown statement accepted")
	}
}

// TestGnarkVersionPinned keeps circuits.GnarkVersion, go.mod and the
// pinned gnark-crypto release in step.
func TestGnarkVersionPinned(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	mod, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"github.com/consensys/gnark " + circuits.GnarkVersion, "github.com/consensys/gnark-crypto v0.21.0"} {
		if !strings.Contains(string(mod), want+"\n") {
			t.Errorf("go.mod does not pin %q exactly", want)
		}
	}
}
