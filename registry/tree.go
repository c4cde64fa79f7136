package registry

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/credential"
)

// Depth is the tree's fixed depth; Capacity = 2^Depth issuers per set.
// The policy/v1 circuit is compiled for this depth: changing it is a new
// circuit.
const (
	Depth    = 6
	Capacity = 1 << Depth
)

// Domain tags of the tree's hashes (credential.Hash).
const (
	TagLeaf = "tacit/registry/leaf/v1"
	TagNode = "tacit/registry/node/v1"
)

// LeafOf is the leaf of the issuer key with affine coordinates (x, y):
// H(TagLeaf, x, y). It does not check the point; see Leaf.
func LeafOf(x, y fr.Element) fr.Element { return credential.Hash(TagLeaf, x, y) }

// Leaf is the leaf of an issuer key.
func Leaf(k credential.IssuerKey) fr.Element {
	x, y := k.Point()
	return LeafOf(x, y)
}

// Node hashes two children.
func Node(left, right fr.Element) fr.Element { return credential.Hash(TagNode, left, right) }

// Tree is a full binary tree of depth Depth over Capacity leaves, unused
// leaves being 0.
type Tree struct {
	levels [Depth + 1][]fr.Element // levels[0]: leaves; levels[Depth]: the root
}

// NewTree builds the tree over leaves (at most Capacity), padded with 0.
// It does not interpret the leaves: Set builds trees of checked keys.
func NewTree(leaves []fr.Element) (*Tree, error) {
	if len(leaves) > Capacity {
		return nil, fmt.Errorf("registry: %d leaves, at most %d fit a tree of depth %d", len(leaves), Capacity, Depth)
	}
	t := &Tree{}
	t.levels[0] = make([]fr.Element, Capacity)
	copy(t.levels[0], leaves)
	for d := 1; d <= Depth; d++ {
		below := t.levels[d-1]
		t.levels[d] = make([]fr.Element, len(below)/2)
		for i := range t.levels[d] {
			t.levels[d][i] = Node(below[2*i], below[2*i+1])
		}
	}
	return t, nil
}

// Root is the tree's root.
func (t *Tree) Root() fr.Element { return t.levels[Depth][0] }

// Proof is a membership proof: the leaf's index and its Depth siblings,
// bottom up. Bit d of Index says whether the path is the right child at
// level d.
type Proof struct {
	Index    int
	Siblings [Depth]fr.Element
}

// Prove returns the membership proof of the leaf at index.
func (t *Tree) Prove(index int) (Proof, error) {
	if index < 0 || index >= Capacity {
		return Proof{}, fmt.Errorf("registry: leaf index %d out of range", index)
	}
	p := Proof{Index: index}
	for d := 0; d < Depth; d++ {
		p.Siblings[d] = t.levels[d][(index>>d)^1]
	}
	return p, nil
}

// Root recomputes the root that p proves leaf to be under.
func (p Proof) Root(leaf fr.Element) fr.Element {
	cur := leaf
	for d := 0; d < Depth; d++ {
		if p.Index>>d&1 == 1 {
			cur = Node(p.Siblings[d], cur)
		} else {
			cur = Node(cur, p.Siblings[d])
		}
	}
	return cur
}

// ErrNotMember means an issuer key is not in a set.
var ErrNotMember = errors.New("registry: the issuer is not in the set")
