package sealed

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func newBox(t testing.TB, key []byte) *Box {
	t.Helper()
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := New(make([]byte, n)); !errors.Is(err, ErrKeySize) {
			t.Errorf("New(%d-byte key) error = %v, want ErrKeySize", n, err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	b := newBox(t, testKey(1))
	for _, pt := range [][]byte{nil, {}, []byte("x"), bytes.Repeat([]byte("credential"), 1000)} {
		ad := []byte("job-id")
		msg := b.Seal(ad, pt)
		if len(msg) != len(pt)+Overhead {
			t.Fatalf("len(Seal) = %d, want %d", len(msg), len(pt)+Overhead)
		}
		got, err := b.Open(ad, msg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("Open = %q, want %q", got, pt)
		}
	}
}

func TestNoncesDiffer(t *testing.T) {
	b := newBox(t, testKey(1))
	m1 := b.Seal([]byte("ad"), []byte("same"))
	m2 := b.Seal([]byte("ad"), []byte("same"))
	if bytes.Equal(m1[:NonceSize], m2[:NonceSize]) || bytes.Equal(m1, m2) {
		t.Fatal("two seals of the same message share a nonce")
	}
}

func TestOpenFailures(t *testing.T) {
	b := newBox(t, testKey(1))
	ad := []byte("job-1")
	msg := b.Seal(ad, []byte("private records"))

	flip := func(i int) []byte {
		m := bytes.Clone(msg)
		m[i] ^= 0x01
		return m
	}
	tests := []struct {
		name string
		box  *Box
		ad   []byte
		msg  []byte
	}{
		{"wrong ad", b, []byte("job-2"), msg},
		{"empty ad", b, nil, msg},
		{"wrong key", newBox(t, testKey(2)), ad, msg},
		{"nonce flipped", b, ad, flip(0)},
		{"ciphertext flipped", b, ad, flip(NonceSize + 1)},
		{"tag flipped", b, ad, flip(len(msg) - 1)},
		{"truncated", b, ad, msg[:len(msg)-1]},
		{"extended", b, ad, append(bytes.Clone(msg), 0)},
		{"shorter than overhead", b, ad, msg[:Overhead-1]},
		{"empty", b, ad, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := tt.box.Open(tt.ad, tt.msg)
			if !errors.Is(err, ErrOpen) || pt != nil {
				t.Fatalf("Open = %q, %v; want nil, ErrOpen", pt, err)
			}
		})
	}
}

// TestKnownAnswer pins the wire format: a message sealed by plain AES-256-GCM
// with an explicit nonce, laid out as nonce || ciphertext || tag, opens.
func TestKnownAnswer(t *testing.T) {
	key := testKey(7)
	nonce, _ := hex.DecodeString("000102030405060708090a0b")
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	msg := gcm.Seal(bytes.Clone(nonce), nonce, []byte("tacit"), []byte("ad"))
	got, err := newBox(t, key).Open([]byte("ad"), msg)
	if err != nil || string(got) != "tacit" {
		t.Fatalf("Open = %q, %v; want \"tacit\"", got, err)
	}
}

func FuzzOpen(f *testing.F) {
	b := newBox(f, testKey(3))
	f.Add([]byte("ad"), b.Seal([]byte("ad"), []byte("seed")))
	f.Add([]byte{}, []byte{})
	f.Add([]byte("ad"), make([]byte, Overhead))
	f.Fuzz(func(t *testing.T, ad, msg []byte) {
		pt, err := b.Open(ad, msg)
		if err == nil {
			// Only the seeded message authenticates; anything else is a forgery.
			if string(pt) != "seed" {
				t.Fatalf("Open accepted a forged message: %q", pt)
			}
		} else if pt != nil {
			t.Fatal("Open returned plaintext with an error")
		}
	})
}

// TestDigest: the digest depends on the key, the domain and the message,
// and is the same for the same three.
func TestDigest(t *testing.T) {
	a, b := newBox(t, testKey(1)), newBox(t, testKey(2))
	d := a.Digest("d", []byte("msg"))
	if len(d) != 32 || !bytes.Equal(d, newBox(t, testKey(1)).Digest("d", []byte("msg"))) {
		t.Fatalf("digest %x is not 32 stable bytes", d)
	}
	for name, other := range map[string][]byte{
		"other key":     b.Digest("d", []byte("msg")),
		"other domain":  a.Digest("e", []byte("msg")),
		"other message": a.Digest("d", []byte("msh")),
		"shifted":       a.Digest("dm", []byte("sg")),
	} {
		if bytes.Equal(d, other) {
			t.Errorf("%s: same digest", name)
		}
	}
}
