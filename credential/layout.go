package credential

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// Layout v2 of the signed message: the issuer signs a commitment to
// separate parts, so that a statement hashes only the parts it reads and
// takes the others as private inputs.
//
//	message hash  = Hash(TagCredentialV2, header, subject, statuses, amountsDigest)
//	header        = Header(), with version 2 (same bits as v1)
//	subject       = the subject commitment
//	statuses      = PackStatuses(Statuses()), 180 bits (one element, as in v1)
//	amountsDigest = Hash(TagAmounts, PackAmounts(Amounts())...), 12 elements
//
// The issuer key is not repeated in the message: the EdDSA challenge
// H(R, A, M) already binds the signature to the key A (see doc.go). A v2
// message can never be mistaken for a v1 message: the two are hashes under
// different tags and lengths (DomainTag binds both), and the header's
// version field differs.
//
// Cost in circuit: the message is 4 elements, 2 sponge permutations; a
// statement that reads amounts pays 6 more for the digest, one that reads
// only statuses takes amountsDigest as a private input and pays nothing.
const (
	TagCredentialV2 = "tacit/credential/v2"
	TagAmounts      = "tacit/credential/v2/amounts"
	// PartsElements is the length of the v2 message.
	PartsElements = 4
)

// Parts are the elements of a v2 message.
type Parts struct {
	Header        fr.Element
	Subject       fr.Element
	Statuses      fr.Element
	AmountsDigest fr.Element
}

// Parts returns the credential's v2 parts. For a v1 credential they are
// what a v2 issuer would have signed over the same fields, header version
// aside (the header carries c.Version).
func (c *Credential) Parts() Parts {
	return Parts{
		Header:        c.Header(),
		Subject:       c.Subject.e,
		Statuses:      PackStatuses(c.Statuses()),
		AmountsDigest: AmountsDigest(c.Amounts()),
	}
}

// Elements returns the parts in message order.
func (p Parts) Elements() [PartsElements]fr.Element {
	return [PartsElements]fr.Element{p.Header, p.Subject, p.Statuses, p.AmountsDigest}
}

// Hash is the v2 message hash the issuer signs.
func (p Parts) Hash() fr.Element {
	e := p.Elements()
	return Hash(TagCredentialV2, e[:]...)
}

// AmountsDigest is the v2 commitment to MaxMonths amounts.
func AmountsDigest(am [MaxMonths]uint64) fr.Element {
	packs := PackAmounts(am)
	return Hash(TagAmounts, packs[:]...)
}

// LayoutName names a layout as users see it: "v1", "v2".
func LayoutName(layout int) string { return fmt.Sprintf("v%d", layout) }

// ParseLayout parses "v1" or "v2".
func ParseLayout(s string) (int, error) {
	switch s {
	case "v1":
		return LayoutV1, nil
	case "v2":
		return LayoutV2, nil
	}
	return 0, fmt.Errorf("credential: unknown layout %q (want v1 or v2)", s)
}

// LayoutError says that a credential was signed in another layout than the
// statement reads. Its message names both layouts and the way out; it
// holds no private value (a credential's layout is public in its file).
type LayoutError struct {
	Have, Want int
	// Statement is the statement's id; Other the id of one that reads Have.
	Statement, Other string
}

func (e *LayoutError) Error() string {
	msg := fmt.Sprintf("credential: this credential uses layout %s; statement %s needs layout %s",
		LayoutName(e.Have), e.Statement, LayoutName(e.Want))
	if e.Other != "" {
		return msg + fmt.Sprintf(": ask the issuer to re-sign it in layout %s, or use %s", LayoutName(e.Want), e.Other)
	}
	return msg + fmt.Sprintf(": ask the issuer to re-sign it in layout %s", LayoutName(e.Want))
}

// RequireLayout returns a *LayoutError unless c was signed in layout want.
// statement names the statement asking; other, if not empty, a statement
// that reads c's layout.
func RequireLayout(c *Credential, want int, statement, other string) error {
	if c.Version == want {
		return nil
	}
	return &LayoutError{Have: c.Version, Want: want, Statement: statement, Other: other}
}
