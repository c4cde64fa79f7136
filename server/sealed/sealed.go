package sealed

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
)

const (
	// KeySize is the size of a Box key in bytes (AES-256).
	KeySize = 32
	// NonceSize is the size of the random nonce that starts a sealed message.
	NonceSize = 12
	// TagSize is the size of the GCM authentication tag that ends it.
	TagSize = 16
	// Overhead is how much longer a sealed message is than its plaintext.
	Overhead = NonceSize + TagSize
)

var (
	// ErrKeySize is returned by New for a key that is not KeySize bytes.
	ErrKeySize = errors.New("sealed: key must be 32 bytes")
	// ErrOpen is returned by Open for a message that is truncated, was
	// tampered with, or was sealed under another key or associated data.
	ErrOpen = errors.New("sealed: message authentication failed")
)

// A Box seals and opens messages under one key. It is safe for concurrent
// use.
type Box struct {
	aead   cipher.AEAD
	digest []byte // HMAC-SHA256 key for Digest, derived from the box key
}

// New returns a Box for a KeySize-byte key. The Box keeps no reference to
// key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, ErrKeySize
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sealed: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("sealed: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("tacit/sealed/digest-key/v1"))
	return &Box{aead: aead, digest: mac.Sum(nil)}, nil
}

// Digest is a keyed digest of msg under a domain label: HMAC-SHA256 under
// a key derived from the box key. Unlike a plain hash, it cannot be
// recomputed from a guess at msg without the key, so a store may keep it
// to recognise a message it must not hold in the clear.
func (b *Box) Digest(domain string, msg []byte) []byte {
	mac := hmac.New(sha256.New, b.digest)
	mac.Write([]byte(domain))
	mac.Write([]byte{0})
	mac.Write(msg)
	return mac.Sum(nil)
}

// Seal encrypts and authenticates plaintext and authenticates ad, returning
// nonce || ciphertext || tag in a new slice.
func (b *Box) Seal(ad, plaintext []byte) []byte {
	return b.aead.Seal(nil, nil, plaintext, ad)
}

// Open authenticates and decrypts a message made by Seal with the same key
// and ad. Any failure is ErrOpen; no partial plaintext is returned.
func (b *Box) Open(ad, sealed []byte) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, ErrOpen
	}
	pt, err := b.aead.Open(nil, nil, sealed, ad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
