package audit

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	pprof "github.com/google/pprof/profile"

	"github.com/consensys/gnark/profile"

	"github.com/tacit-zk/tacit/circuits"
)

// Block is a group of constraints created by one kind of gadget.
type Block struct {
	Name        string
	Constraints int
}

// Explanation is where a circuit's constraints go.
type Explanation struct {
	Info        circuits.Info
	Constraints int     // as compiled
	Blocks      []Block // largest first; they sum to Constraints
}

// The blocks, and how a constraint's call stack assigns it to one. A
// stack is matched against the strong rules first (any frame, in rule
// order), then the weak ones: a constraint made by eddsa.Verify's own
// hashing is part of the signature.
var blockRules = []struct {
	name     string
	patterns []string
	weak     bool
}{
	// std/math/cmp is, in tacit's circuits, only eddsa.Verify's S < order
	// check; its recursion overflows the profiler's 20-frame stacks, so
	// those samples no longer show eddsa.
	// circuits/gadget/eddsav1 is the v1 circuits' copy of gnark's
	// std/signature/eddsa and std/algebra/native/twistededwards;
	// circuits/gadget/eddsa is the v2 gadget.
	{"signature (EdDSA verification, key checks)", []string{"std/signature/eddsa.", "std/algebra/native/twistededwards.", "gadget/eddsav1.", "gadget/eddsa.", "std/math/cmp."}, false},
	{"hashing (Poseidon2: credential, subject, pseudonym)", []string{"std/permutation/poseidon2.", "std/hash/poseidon2.", "gadget.Hash"}, false},
	{"window selection (IsZero per month)", []string{").IsZero"}, false},
	{"window mask (2^lo, 2^W)", []string{"nodefaultv2.pow2"}, false},
	{"bit decompositions (range checks, window predicates)", []string{"gadget.AssertBits", ").ToBinary"}, false},
	{"packing (statuses, header)", []string{"gadget.Pack", "gadget.Header"}, false},
	{"signature (EdDSA verification, key checks)", []string{"verifySignature"}, true},
}

// otherBlock holds what no rule claims: the window's products, equalities,
// the nonce binding.
const otherBlock = "other (window products, equalities, nonce binding)"

// profiling serializes Explain: gnark's profiler records every constraint
// compiled in the process while a session is open.
var profiling sync.Mutex

// Explain compiles info's circuit under gnark's profiler and groups its
// constraints into blocks. No other circuit may be compiled concurrently
// in the process (the profiler is global); Explain detects a mismatch and
// fails rather than misreport.
func Explain(info circuits.Info) (*Explanation, error) {
	profiling.Lock()
	defer profiling.Unlock()
	f, err := os.CreateTemp("", "tacit-profile-*.pprof")
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	path := f.Name()
	f.Close()
	defer os.Remove(path)

	p := profile.Start(profile.WithPath(path), profile.WithoutOperations())
	ccs, err := circuits.Compile(info)
	p.Stop()
	if err != nil {
		return nil, err
	}
	data, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer data.Close()
	prof, err := pprof.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("audit: reading gnark's profile: %w", err)
	}
	counts := map[string]int{}
	total := 0
	for _, s := range prof.Sample {
		if len(s.Value) == 0 || s.Value[0] == 0 {
			continue
		}
		counts[classify(stack(s))] += int(s.Value[0])
		total += int(s.Value[0])
	}
	if total != ccs.GetNbConstraints() {
		return nil, fmt.Errorf("audit: the profiler recorded %d constraints, the circuit has %d (was another circuit compiled at the same time?)", total, ccs.GetNbConstraints())
	}
	e := &Explanation{Info: info, Constraints: total}
	for name, n := range counts {
		e.Blocks = append(e.Blocks, Block{name, n})
	}
	sort.Slice(e.Blocks, func(i, j int) bool {
		if e.Blocks[i].Constraints != e.Blocks[j].Constraints {
			return e.Blocks[i].Constraints > e.Blocks[j].Constraints
		}
		return e.Blocks[i].Name < e.Blocks[j].Name
	})
	return e, nil
}

// stack returns a sample's fully qualified function names, leaf first.
func stack(s *pprof.Sample) []string {
	var out []string
	for _, loc := range s.Location {
		for _, l := range loc.Line {
			switch {
			case l.Function == nil:
			case l.Function.SystemName != "":
				out = append(out, l.Function.SystemName)
			default:
				out = append(out, l.Function.Name)
			}
		}
	}
	return out
}

func classify(frames []string) string {
	for _, weak := range []bool{false, true} {
		for _, r := range blockRules {
			if r.weak != weak {
				continue
			}
			for _, f := range frames {
				for _, p := range r.patterns {
					if strings.Contains(f, p) {
						return r.name
					}
				}
			}
		}
	}
	return otherBlock
}
