package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/name"
	"github.com/tacit-zk/tacit/internal/strictjson"
)

// FileVersion is the only registry file layout this package reads and writes.
const FileVersion = 1

// MaxNameLength bounds set names.
const MaxNameLength = 64

// MaxFileSize bounds a registry file: room for hundreds of sets of 64
// issuers.
const MaxFileSize = 4 << 20

// Errors callers branch on.
var (
	ErrUnknownSet   = errors.New("registry: unknown issuer set")
	ErrKindMismatch = errors.New("registry: the issuer set is for another credential kind")
	ErrRetiredRoot  = errors.New("registry: retired issuer-set root")
	ErrUnknownRoot  = errors.New("registry: not a root of the issuer set")
)

// ValidateName checks a set name: 1 to 64 characters of a-z, 0-9, '.', '_'
// and '-' (see package internal/name).
func ValidateName(s string) error {
	if !name.Valid(s, MaxNameLength) {
		return fmt.Errorf("registry: set name %q must be 1 to %d characters of a-z, 0-9, '.', '_' and '-'", s, MaxNameLength)
	}
	return nil
}

// Set is one accredited-issuer set: a name, the credential kind its issuers
// sign, the issuers (sorted by key hex, no duplicates), its tree and the
// roots it had before.
type Set struct {
	name    string
	kind    credential.Kind
	issuers []credential.IssuerKey
	tree    *Tree
	retired []fr.Element
}

// NewSet builds a set. The issuers may come in any order; duplicates are
// refused.
func NewSet(name string, kind credential.Kind, issuers []credential.IssuerKey) (*Set, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if kind != credential.KindPaymentHistory && kind != credential.KindRevenue {
		return nil, fmt.Errorf("registry: set %q: unknown credential kind", name)
	}
	if len(issuers) == 0 {
		return nil, fmt.Errorf("registry: set %q: at least one issuer is required", name)
	}
	if len(issuers) > Capacity {
		return nil, fmt.Errorf("registry: set %q: %d issuers, at most %d fit a tree of depth %d", name, len(issuers), Capacity, Depth)
	}
	sorted := append([]credential.IssuerKey(nil), issuers...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Hex() < sorted[j].Hex() })
	leaves := make([]fr.Element, len(sorted))
	for i, k := range sorted {
		if k.IsZero() {
			return nil, fmt.Errorf("registry: set %q: missing issuer key", name)
		}
		if i > 0 && sorted[i-1].Equal(k) {
			return nil, fmt.Errorf("registry: set %q: issuer %s is listed twice", name, k.Hex())
		}
		leaves[i] = Leaf(k)
	}
	tree, err := NewTree(leaves)
	if err != nil {
		return nil, err
	}
	return &Set{name: name, kind: kind, issuers: sorted, tree: tree}, nil
}

// Name is the set's name.
func (s *Set) Name() string { return s.name }

// Kind is the credential kind the set's issuers sign.
func (s *Set) Kind() credential.Kind { return s.kind }

// Root is the set's current root.
func (s *Set) Root() fr.Element { return s.tree.Root() }

// Issuers returns the set's issuers, sorted by key hex.
func (s *Set) Issuers() []credential.IssuerKey {
	return append([]credential.IssuerKey(nil), s.issuers...)
}

// Retired returns the set's earlier roots, oldest first.
func (s *Set) Retired() []fr.Element { return append([]fr.Element(nil), s.retired...) }

// Contains reports whether k is in the set.
func (s *Set) Contains(k credential.IssuerKey) bool {
	_, ok := s.index(k)
	return ok
}

func (s *Set) index(k credential.IssuerKey) (int, bool) {
	for i, m := range s.issuers {
		if m.Equal(k) {
			return i, true
		}
	}
	return 0, false
}

// Prove returns the membership proof of k, or ErrNotMember.
func (s *Set) Prove(k credential.IssuerKey) (Proof, error) {
	i, ok := s.index(k)
	if !ok {
		return Proof{}, fmt.Errorf("%w %q", ErrNotMember, s.name)
	}
	return s.tree.Prove(i)
}

// CheckRoot reports whether root is the set's current root: nil if so,
// ErrRetiredRoot if it is one of the set's earlier roots, ErrUnknownRoot
// otherwise.
func (s *Set) CheckRoot(root fr.Element) error {
	current := s.Root()
	if root.Equal(&current) {
		return nil
	}
	for _, r := range s.retired {
		if root.Equal(&r) {
			return fmt.Errorf("%w: %s was a root of %q; the current root is %s", ErrRetiredRoot, credential.FieldHex(root), s.name, credential.FieldHex(current))
		}
	}
	return fmt.Errorf("%w %q: %s", ErrUnknownRoot, s.name, credential.FieldHex(root))
}

// Registry is a registry operator's published sets.
type Registry struct {
	sets []*Set // sorted by name
}

// New returns an empty registry.
func New() *Registry { return &Registry{} }

// Sets returns the sets, sorted by name.
func (r *Registry) Sets() []*Set { return append([]*Set(nil), r.sets...) }

// Set returns the set with the given name, or ErrUnknownSet.
func (r *Registry) Set(name string) (*Set, error) {
	for _, s := range r.sets {
		if s.name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownSet, name)
}

// Put creates the named set or replaces its issuers. When the issuers
// change, the set's previous root is retired (and a root that becomes
// current again leaves the retired list). A set's kind never changes.
// It reports whether the root changed.
func (r *Registry) Put(name string, kind credential.Kind, issuers []credential.IssuerKey) (bool, error) {
	next, err := NewSet(name, kind, issuers)
	if err != nil {
		return false, err
	}
	old, err := r.Set(name)
	if err != nil {
		r.sets = append(r.sets, next)
		sort.Slice(r.sets, func(i, j int) bool { return r.sets[i].name < r.sets[j].name })
		return true, nil
	}
	if old.kind != kind {
		return false, fmt.Errorf("%w: %q holds %s issuers, not %s", ErrKindMismatch, name, old.kind, kind)
	}
	oldRoot, newRoot := old.Root(), next.Root()
	if oldRoot.Equal(&newRoot) {
		return false, nil
	}
	for _, rt := range old.retired {
		if !rt.Equal(&newRoot) {
			next.retired = append(next.retired, rt)
		}
	}
	next.retired = append(next.retired, oldRoot)
	*old = *next
	return true, nil
}

// CheckRoot checks that root is the current root of the named set and
// that the set holds issuers of the given kind.
func (r *Registry) CheckRoot(name string, kind credential.Kind, root fr.Element) error {
	s, err := r.Set(name)
	if err != nil {
		return err
	}
	if s.kind != kind {
		return fmt.Errorf("%w: %q holds %s issuers, not %s", ErrKindMismatch, name, s.kind, kind)
	}
	return s.CheckRoot(root)
}

// RootInfo is what a registry publishes about one set (the service's
// GET /v1/registries lists one per set).
type RootInfo struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Depth   int      `json:"depth"`
	Issuers int      `json:"issuers"`
	Root    string   `json:"root"`
	Retired []string `json:"retired"`
}

// Roots summarizes every set.
func (r *Registry) Roots() []RootInfo {
	out := make([]RootInfo, 0, len(r.sets))
	for _, s := range r.sets {
		info := RootInfo{Name: s.name, Kind: s.kind.String(), Depth: Depth, Issuers: len(s.issuers), Root: credential.FieldHex(s.Root()), Retired: []string{}}
		for _, rt := range s.retired {
			info.Retired = append(info.Retired, credential.FieldHex(rt))
		}
		out = append(out, info)
	}
	return out
}

type setJSON struct {
	Name    *string  `json:"name"`
	Kind    *string  `json:"kind"`
	Issuers []string `json:"issuers"`
	Root    *string  `json:"root"`
	Retired []string `json:"retired"`
}

type fileJSON struct {
	Version *int      `json:"version"`
	Depth   *int      `json:"depth"`
	Sets    []setJSON `json:"sets"`
}

// MarshalIndent writes the registry file.
func (r *Registry) MarshalIndent() ([]byte, error) {
	version, depth := FileVersion, Depth
	f := fileJSON{Version: &version, Depth: &depth, Sets: []setJSON{}}
	for _, s := range r.sets {
		name, kind, root := s.name, s.kind.String(), credential.FieldHex(s.Root())
		w := setJSON{Name: &name, Kind: &kind, Root: &root, Issuers: []string{}, Retired: []string{}}
		for _, k := range s.issuers {
			w.Issuers = append(w.Issuers, k.Hex())
		}
		for _, rt := range s.retired {
			w.Retired = append(w.Retired, credential.FieldHex(rt))
		}
		f.Sets = append(f.Sets, w)
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Parse decodes a registry file strictly and recomputes every root: a
// file whose listed root does not match its issuers is refused, as are
// invalid keys, unsorted or duplicate issuers, duplicate set names and a
// depth other than Depth.
func Parse(data []byte) (*Registry, error) {
	var f fileJSON
	if err := strictjson.Decode(data, &f, "registry"); err != nil {
		return nil, err
	}
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("registry: field %q: %s", field, fmt.Sprintf(format, args...))
	}
	switch {
	case f.Version == nil:
		return nil, bad("version", "missing")
	case *f.Version != FileVersion:
		return nil, bad("version", "must be %d", FileVersion)
	case f.Depth == nil:
		return nil, bad("depth", "missing")
	case *f.Depth != Depth:
		return nil, bad("depth", "must be %d (the circuit's tree depth)", Depth)
	case f.Sets == nil:
		return nil, bad("sets", "missing")
	}
	r := New()
	for i, w := range f.Sets {
		at := func(name string) string { return fmt.Sprintf("sets[%d].%s", i, name) }
		for _, p := range []struct {
			name string
			v    *string
		}{{"name", w.Name}, {"kind", w.Kind}, {"root", w.Root}} {
			if p.v == nil {
				return nil, bad(at(p.name), "missing")
			}
		}
		if w.Issuers == nil {
			return nil, bad(at("issuers"), "missing")
		}
		if err := ValidateName(*w.Name); err != nil {
			return nil, bad(at("name"), "%v", err)
		}
		if _, err := r.Set(*w.Name); err == nil {
			return nil, bad(at("name"), "set %q appears twice", *w.Name)
		}
		kind, err := credential.ParseKind(*w.Kind)
		if err != nil {
			return nil, bad(at("kind"), "%v", err)
		}
		keys := make([]credential.IssuerKey, len(w.Issuers))
		for j, h := range w.Issuers {
			if keys[j], err = credential.ParseIssuerKey(h); err != nil {
				return nil, bad(fmt.Sprintf("sets[%d].issuers[%d]", i, j), "%v", err)
			}
			if j > 0 && w.Issuers[j-1] >= h {
				return nil, bad(fmt.Sprintf("sets[%d].issuers[%d]", i, j), "issuers must be sorted and distinct")
			}
		}
		s, err := NewSet(*w.Name, kind, keys)
		if err != nil {
			return nil, err
		}
		root, err := credential.ParseFieldHex(*w.Root)
		if err != nil {
			return nil, bad(at("root"), "%v", err)
		}
		if current := s.Root(); !root.Equal(&current) {
			return nil, bad(at("root"), "does not match the issuers (they give %s)", credential.FieldHex(current))
		}
		for j, h := range w.Retired {
			rt, err := credential.ParseFieldHex(h)
			if err != nil {
				return nil, bad(fmt.Sprintf("sets[%d].retired[%d]", i, j), "%v", err)
			}
			if rt.Equal(&root) {
				return nil, bad(fmt.Sprintf("sets[%d].retired[%d]", i, j), "is the current root")
			}
			for _, prev := range s.retired {
				if rt.Equal(&prev) {
					return nil, bad(fmt.Sprintf("sets[%d].retired[%d]", i, j), "appears twice")
				}
			}
			s.retired = append(s.retired, rt)
		}
		r.sets = append(r.sets, s)
	}
	sort.Slice(r.sets, func(i, j int) bool { return r.sets[i].name < r.sets[j].name })
	return r, nil
}

// Load reads and parses a registry file.
func Load(path string) (*Registry, error) {
	data, err := strictjson.ReadFile(path, MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	r, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}
