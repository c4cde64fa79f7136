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

// Book maps API keys to principals. It is safe for concurrent use.
type Book struct {
	mu     sync.RWMutex
	byHash map[string]Principal
}

// NewBook returns an empty book.
func NewBook() *Book { return &Book{byHash: map[string]Principal{}} }

// MaxFileSize bounds a key file: room for some 20,000 keys.
const MaxFileSize = 4 << 20

// Load reads a key file written by Append, each line strictly.
func Load(path string) (*Book, error) {
	data, err := strictjson.ReadFile(path, MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	b := NewBook()
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var e Entry
		if err := strictjson.DecodeAt([]byte(line), &e, ""); err != nil {
			return nil, fmt.Errorf("auth: %s line %d: %w", path, n, err)
		}
		if _, err := ParseRole(string(e.Role)); err != nil {
			return nil, fmt.Errorf("auth: %s line %d: %w", path, n, err)
		}
		if err := verifier.ValidateLender(e.Name); err != nil {
			return nil, fmt.Errorf("auth: %s line %d: %w", path, n, err)
		}
		if len(e.Hash) != 64 {
			return nil, fmt.Errorf("auth: %s line %d: sha256 must be 64 hex characters", path, n)
		}
		b.byHash[e.Hash] = Principal{Name: e.Name, Role: e.Role}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("auth: %s: %w", path, err)
	}
	if len(b.byHash) == 0 {
		return nil, fmt.Errorf("auth: %s holds no keys (create one with `tacit apikey new`)", path)
	}
	return b, nil
}

// Add registers a key (used by the development mode's demo keys).
func (b *Book) Add(key string, p Principal) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.byHash[hashKey(key)] = p
}

// Len is the number of keys.
func (b *Book) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.byHash)
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
	p, ok := b.byHash[hashKey(key)]
	if !ok {
		return Principal{}, ErrUnknownKey
	}
	return p, nil
}
