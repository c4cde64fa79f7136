package credential

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/internal/strictjson"
)

// Kind names what a credential's months record.
type Kind uint8

const (
	KindPaymentHistory Kind = 1
	KindRevenue        Kind = 2
)

var kindNames = map[Kind]string{KindPaymentHistory: "payment-history", KindRevenue: "revenue"}

func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ParseKind parses a kind name.
func ParseKind(s string) (Kind, error) {
	for k, n := range kindNames {
		if n == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown kind %q", s)
}

// A credential's Version is the layout of the message its issuer signed
// (layout.go): LayoutV1, the single fixed-layout message that
// no-default/v1 and policy/v1 read, or LayoutV2, a commitment to separate
// parts. The header records it, so a message of one layout never verifies
// as the other.
const (
	LayoutV1 = 1
	LayoutV2 = 2
)

// SchemaVersion is the first layout, LayoutV1.
const SchemaVersion = LayoutV1

// Layout of the v1 signed message (MessageElements field elements, fixed):
//
//	[0]      header: kind (8 bits) | version (8) | periodStart (15) | months (6) | issuedAt (17) | expiresAt (17)
//	[1]      subject commitment
//	[2], [3] issuer key X, Y
//	[4]      statuses: month i in bits [3i, 3i+3), MaxMonths slots, unused slots 0
//	[5..16]  amounts: 5 per element, month 5j+k in bits [48k, 48k+48), unused slots 0
//
// The message hash is Hash(TagCredential, message...) and the issuer signs
// it. The v2 layout (layout.go) uses the same header, statuses and amounts
// packing.
const (
	HeaderKindShift    = 0
	HeaderVersionShift = 8
	HeaderStartShift   = 16
	HeaderMonthsShift  = 31
	HeaderIssuedShift  = 37
	HeaderExpiresShift = 54
	MonthsBits         = 6
	// HeaderBits is the header's width: it ends with expiresAt.
	HeaderBits = HeaderExpiresShift + DayBits

	AmountsPerElement = 5
	AmountElements    = MaxMonths / AmountsPerElement
	MessageElements   = 5 + AmountElements
)

// Credential is an issuer-signed history bound to one holder's subject.
type Credential struct {
	Kind Kind
	// Version is the layout the issuer signed: LayoutV1 or LayoutV2.
	Version   int
	Issuer    IssuerKey
	Subject   Subject
	IssuedAt  Day
	ExpiresAt Day
	History
	Signature [SignatureSize]byte
}

// Terms are what an issuer decides when signing.
type Terms struct {
	// Layout is LayoutV1 or LayoutV2; zero means LayoutV1, the layout
	// every credential had before v2, so that existing callers sign what
	// they always signed. tacit credential sign passes LayoutV2.
	Layout    int
	Kind      Kind
	Subject   Subject
	IssuedAt  Day
	ExpiresAt Day
}

// Sign validates h and terms and returns a signed credential.
func Sign(key *IssuerSecret, terms Terms, h History) (*Credential, error) {
	layout := terms.Layout
	if layout == 0 {
		layout = LayoutV1
	}
	c := &Credential{
		Kind: terms.Kind, Version: layout, Issuer: key.Public(), Subject: terms.Subject,
		IssuedAt: terms.IssuedAt, ExpiresAt: terms.ExpiresAt, History: h,
	}
	if err := c.validateFields(); err != nil {
		return nil, fmt.Errorf("credential: %w", err)
	}
	sig, err := key.SignHash(c.MessageHash())
	if err != nil {
		return nil, err
	}
	c.Signature = sig
	return c, nil
}

// Verify checks the credential's fields and its signature natively.
func (c *Credential) Verify() error {
	if err := c.validateFields(); err != nil {
		return fmt.Errorf("credential: %w", err)
	}
	return c.Issuer.Verify(c.Signature, c.MessageHash())
}

// ExpiredAt reports whether the credential has expired by day d: it is
// valid strictly before ExpiresAt.
func (c *Credential) ExpiredAt(d Day) bool { return d >= c.ExpiresAt }

func (c *Credential) validateFields() error {
	if _, ok := kindNames[c.Kind]; !ok {
		return fieldErr("kind", "unknown kind")
	}
	if c.Version != LayoutV1 && c.Version != LayoutV2 {
		return fieldErr("version", "must be %d or %d", LayoutV1, LayoutV2)
	}
	if c.Issuer.IsZero() {
		return fieldErr("issuer", "missing")
	}
	if err := c.History.Validate(); err != nil {
		return err
	}
	if c.IssuedAt.Time().Year() < MinYear || c.IssuedAt.Time().Year() > MaxYear {
		return fieldErr("issuedAt", "date is outside %d-%d", MinYear, MaxYear)
	}
	if c.ExpiresAt.Time().Year() < MinYear || c.ExpiresAt.Time().Year() > MaxYear {
		return fieldErr("expiresAt", "date is outside %d-%d", MinYear, MaxYear)
	}
	if c.ExpiresAt <= c.IssuedAt {
		return fieldErr("expiresAt", "must be after issuedAt")
	}
	return nil
}

// Header packs the credential's scalar fields as the message's first element.
func (c *Credential) Header() fr.Element {
	v := new(big.Int)
	put := func(x uint64, shift uint) { v.Or(v, new(big.Int).Lsh(new(big.Int).SetUint64(x), shift)) }
	put(uint64(c.Kind), HeaderKindShift)
	put(uint64(c.Version), HeaderVersionShift)
	put(uint64(c.PeriodStart), HeaderStartShift)
	put(uint64(len(c.Months)), HeaderMonthsShift)
	put(uint64(c.IssuedAt), HeaderIssuedShift)
	put(uint64(c.ExpiresAt), HeaderExpiresShift)
	var e fr.Element
	e.SetBigInt(v)
	return e
}

// Statuses returns the MaxMonths statuses, padded with StatusOK.
func (h History) Statuses() [MaxMonths]Status {
	var out [MaxMonths]Status
	for i, r := range h.Months {
		out[i] = r.Status
	}
	return out
}

// Amounts returns the MaxMonths amounts, padded with 0.
func (h History) Amounts() [MaxMonths]uint64 {
	var out [MaxMonths]uint64
	for i, r := range h.Months {
		out[i] = r.Amount
	}
	return out
}

// PackStatuses packs MaxMonths statuses into one element, 3 bits each.
func PackStatuses(st [MaxMonths]Status) fr.Element {
	v := new(big.Int)
	for i := MaxMonths - 1; i >= 0; i-- {
		v.Lsh(v, StatusBits).Or(v, big.NewInt(int64(st[i])))
	}
	var e fr.Element
	e.SetBigInt(v)
	return e
}

// PackAmounts packs MaxMonths amounts into AmountElements elements.
func PackAmounts(am [MaxMonths]uint64) [AmountElements]fr.Element {
	var out [AmountElements]fr.Element
	for j := range out {
		v := new(big.Int)
		for k := AmountsPerElement - 1; k >= 0; k-- {
			v.Lsh(v, AmountBits).Or(v, new(big.Int).SetUint64(am[j*AmountsPerElement+k]))
		}
		out[j].SetBigInt(v)
	}
	return out
}

// Message returns the elements of the v1 layout (for a v1 credential, what
// the issuer signed; see Parts for v2).
func (c *Credential) Message() [MessageElements]fr.Element {
	var m [MessageElements]fr.Element
	m[0] = c.Header()
	m[1] = c.Subject.e
	m[2], m[3] = c.Issuer.Point()
	m[4] = PackStatuses(c.Statuses())
	amounts := PackAmounts(c.Amounts())
	copy(m[5:], amounts[:])
	return m
}

// MessageHash is the domain-separated hash the issuer signs, in the
// credential's layout.
func (c *Credential) MessageHash() fr.Element {
	if c.Version == LayoutV2 {
		return c.Parts().Hash()
	}
	m := c.Message()
	return Hash(TagCredential, m[:]...)
}

type credentialJSON struct {
	Kind        *string      `json:"kind"`
	Version     *int         `json:"version"`
	Issuer      *string      `json:"issuer"`
	Subject     *string      `json:"subject"`
	IssuedAt    *string      `json:"issuedAt"`
	ExpiresAt   *string      `json:"expiresAt"`
	PeriodStart *string      `json:"periodStart"`
	Months      []recordJSON `json:"months"`
	Signature   *string      `json:"signature"`
}

// MarshalJSON writes the credential file format.
func (c *Credential) MarshalJSON() ([]byte, error) {
	kind, iss, sub := c.Kind.String(), c.Issuer.Hex(), c.Subject.Hex()
	issued, expires := c.IssuedAt.String(), c.ExpiresAt.String()
	sig := hex.EncodeToString(c.Signature[:])
	h := c.History.wire()
	return json.Marshal(credentialJSON{
		Kind: &kind, Version: &c.Version, Issuer: &iss, Subject: &sub, IssuedAt: &issued,
		ExpiresAt: &expires, PeriodStart: h.PeriodStart, Months: h.Months, Signature: &sig,
	})
}

// UnmarshalJSON is ParseCredential for embedding credentials in other documents.
func (c *Credential) UnmarshalJSON(data []byte) error {
	parsed, err := ParseCredential(data)
	if err != nil {
		return err
	}
	*c = *parsed
	return nil
}

// ParseCredential decodes a credential file strictly. It does not check the
// signature: call Verify.
func ParseCredential(data []byte) (*Credential, error) {
	var w credentialJSON
	if err := strictjson.Decode(data, &w, "credential"); err != nil {
		return nil, err
	}
	c, err := w.credential()
	if err != nil {
		return nil, fmt.Errorf("credential: %w", err)
	}
	return c, nil
}

func (w credentialJSON) credential() (*Credential, error) {
	missing := func(name string, p *string) error {
		if p == nil {
			return fieldErr(name, "missing")
		}
		return nil
	}
	for _, f := range []struct {
		name string
		p    *string
	}{{"kind", w.Kind}, {"issuer", w.Issuer}, {"subject", w.Subject}, {"issuedAt", w.IssuedAt}, {"expiresAt", w.ExpiresAt}, {"signature", w.Signature}} {
		if err := missing(f.name, f.p); err != nil {
			return nil, err
		}
	}
	if w.Version == nil {
		return nil, fieldErr("version", "missing")
	}
	c := &Credential{Version: *w.Version}
	var err error
	if c.Kind, err = ParseKind(*w.Kind); err != nil {
		return nil, &strictjson.FieldError{Field: "kind", Err: err}
	}
	if c.Version != LayoutV1 && c.Version != LayoutV2 {
		return nil, fieldErr("version", "must be %d or %d", LayoutV1, LayoutV2)
	}
	if c.Issuer, err = ParseIssuerKey(*w.Issuer); err != nil {
		return nil, &strictjson.FieldError{Field: "issuer", Err: err}
	}
	if c.Subject, err = ParseSubject(*w.Subject); err != nil {
		return nil, &strictjson.FieldError{Field: "subject", Err: err}
	}
	if c.IssuedAt, err = ParseDay(*w.IssuedAt); err != nil {
		return nil, &strictjson.FieldError{Field: "issuedAt", Err: err}
	}
	if c.ExpiresAt, err = ParseDay(*w.ExpiresAt); err != nil {
		return nil, &strictjson.FieldError{Field: "expiresAt", Err: err}
	}
	if c.History, err = (historyJSON{PeriodStart: w.PeriodStart, Months: w.Months}).history(); err != nil {
		return nil, err
	}
	sig, err := parseHex(*w.Signature, SignatureSize)
	if err != nil {
		return nil, &strictjson.FieldError{Field: "signature", Err: err}
	}
	copy(c.Signature[:], sig)
	if err := c.validateFields(); err != nil {
		return nil, err
	}
	return c, nil
}

// Today is the day of the given clock reading, for callers that inject time.
func Today(now time.Time) Day { return DayOf(now) }

// ErrMissing is returned for an absent required input.
var ErrMissing = errors.New("credential: missing input")

func fieldErr(field string, format string, args ...any) error {
	return &strictjson.FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}
