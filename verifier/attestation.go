package verifier

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/internal/strictjson"
	"github.com/tacit-zk/tacit/statement"
)

// AttestationVersion is the only attestation layout this package reads.
const AttestationVersion = 1

// MaxFileSize bounds an attestation file; an attestation is about 1 KB.
const MaxFileSize = 1 << 20

// Attestation is what a prover hands to a lender: an envelope around one
// statement's section.
//
//	{"version":1,"statement":"no-default/v1","verifyingKey":<sha256>,
//	 "public":{...},["policy":{...},]"proof":<hex>}
//
// "public" holds the binding (asOf, lender, nonce, pseudonym) and the
// statement's public members, in the order its Layout gives; a statement
// may own one more top-level member. Proof is the hex of the
// gnark-serialized Groth16 proof.
type Attestation struct {
	Version      int
	Statement    string // statement id, e.g. "no-default/v1"
	VerifyingKey string // sha256 of the verifying key file
	Binding      statement.Binding
	Section      statement.Section
	Proof        string
}

// envelope lists the members every attestation has, in order, around the
// statement's extra member (after "public").
var envelope = []string{"version", "statement", "verifyingKey", "public", "proof"}

// ParseAttestation decodes an attestation strictly: unknown, duplicate or
// case-folded fields, trailing data, a missing field and any value not in
// its one canonical form are refused, with the field named. The statement's
// section is decoded once, here, by the statement.
func ParseAttestation(data []byte) (*Attestation, error) {
	a, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("attestation: %w", err)
	}
	return a, nil
}

func parse(data []byte) (*Attestation, error) {
	var top map[string]json.RawMessage
	if err := strictjson.DecodeAt(data, &top, ""); err != nil {
		return nil, err
	}
	a := &Attestation{}
	if err := decodeMember(top, "statement", &a.Statement); err != nil {
		return nil, err
	}
	st, err := circuits.Lookup(a.Statement)
	if err != nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownStatement, a.Statement)
	}
	layout := st.Statement.Layout()
	for k := range top {
		if !slices.Contains(envelope, k) && k != layout.Extra {
			return nil, fmt.Errorf("unknown field %q", k)
		}
	}
	for _, k := range envelope {
		if _, ok := top[k]; !ok {
			return nil, fmt.Errorf("field %q: missing", k)
		}
	}
	if err := strictjson.DecodeAt(top["version"], &a.Version, "version"); err != nil {
		return nil, err
	}
	if a.Version != AttestationVersion {
		return nil, fmt.Errorf("field \"version\": must be %d", AttestationVersion)
	}
	if err := decodeMember(top, "verifyingKey", &a.VerifyingKey); err != nil {
		return nil, err
	}
	var public map[string]json.RawMessage
	if err := strictjson.DecodeAt(top["public"], &public, "public"); err != nil {
		return nil, err
	}
	if public == nil {
		return nil, errors.New("field \"public\": expected an object, got JSON null")
	}
	for k := range public {
		if !slices.Contains(layout.Public, k) {
			return nil, fmt.Errorf("unknown field %q", "public."+k)
		}
	}
	own, paths := map[string]json.RawMessage{}, map[string]string{}
	for _, k := range layout.Public {
		raw, ok := public[k]
		if !ok {
			return nil, fmt.Errorf("field %q: missing", "public."+k)
		}
		if statement.IsBindingMember(k) {
			var v string
			if err := decodeMember(public, k, &v, "public."); err != nil {
				return nil, err
			}
			a.Binding.SetMember(k, v)
			continue
		}
		own[k], paths[k] = raw, "public."+k
	}
	if layout.Extra != "" {
		raw, ok := top[layout.Extra]
		if !ok {
			return nil, fmt.Errorf("field %q: missing", layout.Extra)
		}
		own[layout.Extra], paths[layout.Extra] = raw, layout.Extra
	}
	if _, err := a.Binding.Values(); err != nil {
		// The member's own message ("field \"public.nonce\": ..."), without the
		// "malformed attestation" prefix ParseAttestation's caller adds.
		return nil, errors.New(strings.TrimPrefix(err.Error(), ErrMalformed.Error()+": "))
	}
	if a.Section, err = st.Statement.DecodeSection(statement.NewMembers(own, paths)); err != nil {
		return nil, err
	}
	if err := decodeMember(top, "proof", &a.Proof); err != nil {
		return nil, err
	}
	return a, nil
}

// decodeMember decodes a string member that must not be empty.
func decodeMember(obj map[string]json.RawMessage, k string, v *string, prefix ...string) error {
	path := k
	if len(prefix) > 0 {
		path = prefix[0] + k
	}
	raw, ok := obj[k]
	if !ok {
		return fmt.Errorf("field %q: missing", path)
	}
	if err := strictjson.DecodeAt(raw, v, path); err != nil {
		return err
	}
	if *v == "" {
		return fmt.Errorf("field %q: missing", path)
	}
	return nil
}

// MarshalJSON writes the attestation in its one canonical form.
func (a *Attestation) MarshalJSON() ([]byte, error) {
	info, err := circuits.Lookup(a.Statement)
	if err != nil {
		return nil, fmt.Errorf("attestation: %w", err)
	}
	if a.Section == nil {
		return nil, errors.New("attestation: no statement section")
	}
	layout := info.Statement.Layout()
	own := a.Section.Members()
	var b bytes.Buffer
	member := func(first bool, k string, v any) error {
		if !first {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("attestation: field %q: %w", k, err)
		}
		b.Write(vb)
		return nil
	}
	b.WriteByte('{')
	_ = member(true, "version", a.Version)
	_ = member(false, "statement", a.Statement)
	_ = member(false, "verifyingKey", a.VerifyingKey)
	b.WriteString(`,"public":{`)
	for i, k := range layout.Public {
		var v any
		if statement.IsBindingMember(k) {
			v = a.Binding.Member(k)
		} else if v = own[k]; v == nil {
			return nil, fmt.Errorf("attestation: the section has no member %q", k)
		}
		if err := member(i == 0, k, v); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	if layout.Extra != "" {
		if err := member(false, layout.Extra, own[layout.Extra]); err != nil {
			return nil, err
		}
	}
	_ = member(false, "proof", a.Proof)
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON is ParseAttestation, for attestations inside other
// documents (an API response).
func (a *Attestation) UnmarshalJSON(data []byte) error {
	p, err := ParseAttestation(data)
	if err != nil {
		return err
	}
	*a = *p
	return nil
}

// MarshalIndent is the file format the CLI writes.
func (a *Attestation) MarshalIndent() ([]byte, error) {
	compact, err := a.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, compact, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
