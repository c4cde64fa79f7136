package auth

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tacit-zk/tacit/internal/strictjson"
	"os"
	"strings"
	"sync"

	"github.com/tacit-zk/tacit/verifier"
)

// Role is what a principal may do.
type Role string

// The roles.
const (
	RoleBusiness Role = "business"
	RoleLender   Role = "lender"
	RoleAuditor  Role = "auditor"
	RoleAdmin    Role = "admin"
)

// Roles lists every role.
var Roles = []Role{RoleBusiness, RoleLender, RoleAuditor, RoleAdmin}

// ParseRole parses a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("auth: unknown role %q (want business, lender, auditor or admin)", s)
}

// Principal is an authenticated caller.
type Principal struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
}

// Entry is one line of the key file.
type Entry struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
	Hash string `json:"sha256"`
}

// KeyPrefix starts every API key, so that leaked keys are easy to scan for.
const KeyPrefix = "tacit_"

// NewKey makes a fresh API key for a principal and the entry that stores it.
func NewKey(name string, role Role) (string, Entry, error) {
	if err := verifier.ValidateLender(name); err != nil {
		return "", Entry{}, fmt.Errorf("auth: principal name: %w", err)
	}
	if _, err := ParseRole(string(role)); err != nil {
		return "", Entry{}, err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", Entry{}, fmt.Errorf("auth: %w", err)
	}
	key := KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return key, Entry{Name: name, Role: role, Hash: hashKey(key)}, nil
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Append adds an entry to the key file, creating it with mode 0600.
func Append(path string, e Entry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("auth: %w", err)
	}
	return f.Close()
}

// Book maps API keys to principals. It is safe for concurrent use. It
// holds the key file's entries, which Replace swaps as a whole, and keys
// added one by one with Add (the development mode's demo keys), which a
// reload of the file keeps.
type Book struct {
	mu     sync.RWMutex
	byHash map[string]Principal // from the key file
	added  map[string]Principal // from Add
}

// NewBook returns an empty book.
func NewBook() *Book { return &Book{byHash: map[string]Principal{}, added: map[string]Principal{}} }

// Load reads a key file written by Append. A file with no keys is an error:
// a server started with it would refuse everyone.
func Load(path string) (*Book, error) {
	entries, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("auth: %s holds no keys (create one with `tacit apikey new`)", path)
	}
	b := NewBook()
	b.Replace(entries)
	return b, nil
}

// MaxFileSize bounds a key file: room for some 20,000 keys.
const MaxFileSize = 4 << 20

// ReadFile reads and checks every entry of a key file, each line strictly.
func ReadFile(path string) ([]Entry, error) {
	data, err := strictjson.ReadFile(path, MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	entries, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("auth: %s %w", path, err)
	}
	return entries, nil
}

// Parse reads the entries of a key file's contents.
func Parse(data []byte) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var e Entry
		if err := strictjson.DecodeAt([]byte(line), &e, ""); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if _, err := ParseRole(string(e.Role)); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if err := verifier.ValidateLender(e.Name); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if !validHash(e.Hash) {
			return nil, fmt.Errorf("line %d: sha256 must be 64 lower-case hex characters", n)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading lines: %w", err)
	}
	return out, nil
}

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Replace swaps the book's key-file entries for entries, at once: a
// request sees either the old set or the new one. Keys from Add stay.
func (b *Book) Replace(entries []Entry) {
	m := make(map[string]Principal, len(entries))
	for _, e := range entries {
		m[e.Hash] = Principal{Name: e.Name, Role: e.Role}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.byHash = m
}

// Add registers a key (used by the development mode's demo keys).
func (b *Book) Add(key string, p Principal) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.added[hashKey(key)] = p
}

// Len is the number of keys.
func (b *Book) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.byHash) + len(b.added)
}

// ErrUnknownKey means the key is not in the book.
var ErrUnknownKey = errors.New("auth: unknown API key")

// Lookup returns the principal a key belongs to.
func (b *Book) Lookup(key string) (Principal, error) {
	if !strings.HasPrefix(key, KeyPrefix) {
		return Principal{}, ErrUnknownKey
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	h := hashKey(key)
	p, ok := b.byHash[h]
	if !ok {
		p, ok = b.added[h]
	}
	if !ok {
		return Principal{}, ErrUnknownKey
	}
	return p, nil
}
