package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/tacit-zk/tacit/internal/atomicfile"
)

// ErrNoSuchKey means Revoke found no entry with that name or hash.
var ErrNoSuchKey = errors.New("auth: no key with that name or sha256")

// Revoke removes from the key file at path every entry whose principal name
// is which, or whose sha256 is which (or starts with it, if which is at
// least 8 hex characters and names one entry). The file is rewritten
// atomically with mode 0600. It returns the removed entries.
func Revoke(path, which string) ([]Entry, error) {
	if which == "" {
		return nil, errors.New("auth: name the key to revoke by principal name or sha256")
	}
	entries, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	match := func(e Entry) bool { return e.Name == which || e.Hash == strings.ToLower(which) }
	var byName, byPrefix []Entry
	for _, e := range entries {
		if match(e) {
			byName = append(byName, e)
		} else if len(which) >= 8 && validHex(which) && strings.HasPrefix(e.Hash, strings.ToLower(which)) {
			byPrefix = append(byPrefix, e)
		}
	}
	if len(byName) == 0 {
		switch len(byPrefix) {
		case 0:
			return nil, fmt.Errorf("%w %q in %s", ErrNoSuchKey, which, path)
		case 1:
			which = byPrefix[0].Hash
		default:
			return nil, fmt.Errorf("auth: %q is the start of %d keys' sha256 in %s; give more of it", which, len(byPrefix), path)
		}
	}
	var kept, removed []Entry
	var buf bytes.Buffer
	for _, e := range entries {
		if match(e) {
			removed = append(removed, e)
			continue
		}
		kept = append(kept, e)
		line, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		buf.Write(append(line, '\n'))
	}
	if err := atomicfile.Write(path, buf.Bytes(), 0o600); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return removed, nil
}

func validHex(s string) bool {
	for _, c := range strings.ToLower(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Reloader keeps a Book in step with its key file, so that new and revoked
// keys take effect without a restart.
type Reloader struct {
	Path string
	Book *Book
	// Log receives each reload's outcome (nil: nothing). A file that cannot
	// be read or parsed leaves the book as it was.
	Log func(keys int, err error)

	last, bad [sha256.Size]byte // the contents last loaded, last refused
}

// NewReloader returns a reloader for a book just loaded from path.
func NewReloader(path string, book *Book, log func(keys int, err error)) (*Reloader, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return &Reloader{Path: path, Book: book, Log: log, last: sha256.Sum256(data)}, nil
}

// Reload reads the key file and, if its contents changed, swaps the book's
// entries for the file's. It reports whether the book changed.
func (r *Reloader) Reload() (bool, error) {
	data, err := os.ReadFile(r.Path)
	if err != nil {
		return false, fmt.Errorf("auth: %w", err)
	}
	sum := sha256.Sum256(data)
	if sum == r.last || sum == r.bad {
		return false, nil // unchanged, or refused already (and logged)
	}
	entries, err := Parse(data)
	if err != nil {
		r.bad = sum
		return false, fmt.Errorf("auth: %s %w (the previous keys stay in force)", r.Path, err)
	}
	r.Book.Replace(entries)
	r.last = sum
	return true, nil
}

// Run reloads every interval, and whenever signal delivers, until ctx ends.
func (r *Reloader) Run(ctx context.Context, interval time.Duration, signal <-chan os.Signal) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-signal:
		}
		changed, err := r.Reload()
		if (changed || err != nil) && r.Log != nil {
			r.Log(r.Book.fileLen(), err)
		}
	}
}

func (b *Book) fileLen() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.byHash)
}
