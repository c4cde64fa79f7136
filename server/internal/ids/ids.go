package ids

import (
	"crypto/rand"
	"encoding/base64"
)

// Len is the length of an identifier in characters.
const Len = 22 // base64.RawURLEncoding.EncodedLen(16)

// New returns a fresh random identifier.
func New() string {
	var b [16]byte
	rand.Read(b[:]) // never returns an error since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Valid reports whether s has the form New produces.
func Valid(s string) bool {
	if len(s) != Len {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == 16
}
