package challenges

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tacit-zk/tacit/server/internal/ids"
	"github.com/tacit-zk/tacit/server/internal/storeopt"
)

// NonceSize is the size of a challenge nonce in bytes; it is written as
// 2*NonceSize lowercase hex digits.
const NonceSize = 32

// Challenge is what a lender asks a holder to prove, once.
type Challenge struct {
	// ID names the challenge: 22 characters of base64url (128 random bits).
	ID     string `json:"id"`
	Lender string `json:"lender"`
	// Nonce is 64 lowercase hex digits; the proof must commit to it.
	Nonce     string          `json:"nonce"`
	Statement string          `json:"statement"`
	Params    json.RawMessage `json:"params,omitempty"`
	ExpiresAt time.Time       `json:"expires_at"`
	// CreatedAt orders a lender's challenges (List); zero is the store's now.
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// New returns a challenge with a fresh random ID and nonce.
func New(lender, statement string, params json.RawMessage, expiresAt time.Time) Challenge {
	var nonce [NonceSize]byte
	rand.Read(nonce[:]) // never returns an error since Go 1.24
	return Challenge{
		ID:        ids.New(),
		Lender:    lender,
		Nonce:     hex.EncodeToString(nonce[:]),
		Statement: statement,
		Params:    params,
		ExpiresAt: expiresAt,
	}
}

// Validate reports the first malformed field of c.
func (c Challenge) Validate() error {
	switch {
	case !ids.Valid(c.ID):
		return fmt.Errorf("%w: malformed id", ErrInvalid)
	case c.Lender == "":
		return fmt.Errorf("%w: empty lender", ErrInvalid)
	case !validNonce(c.Nonce):
		return fmt.Errorf("%w: nonce must be 64 lowercase hex digits", ErrInvalid)
	case c.Statement == "":
		return fmt.Errorf("%w: empty statement", ErrInvalid)
	case len(c.Params) > 0 && !json.Valid(c.Params):
		return fmt.Errorf("%w: params are not JSON", ErrInvalid)
	case c.ExpiresAt.IsZero():
		return fmt.Errorf("%w: no expiry", ErrInvalid)
	}
	return nil
}

func validNonce(s string) bool {
	if len(s) != 2*NonceSize {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Store keeps challenges until they are consumed or expire.
// Implementations are safe for concurrent use.
type Store interface {
	// Create stores c for ttl, which should match c.ExpiresAt. It returns
	// ErrExists if c.ID is already stored or was consumed.
	Create(ctx context.Context, c Challenge, ttl time.Duration) error
	// Get returns challenge id: ErrConsumed if it was consumed, ErrNotFound
	// if it never existed or has expired.
	Get(ctx context.Context, id string) (Challenge, error)
	// Consume returns challenge id and deletes it, if lender created it.
	// Of many concurrent calls exactly one succeeds; the rest get
	// ErrConsumed. A call by another lender gets ErrWrongLender and does not
	// consume the challenge. A consume that succeeded but that Redis did not
	// confirm durable (see Durability) returns the challenge together with
	// an error wrapping ErrNotDurable.
	//
	// v, if not nil, is the verdict on the answer that consumes the
	// challenge: the record keeps it in the same step, so that no crash
	// leaves a challenge used with no verdict for its lender. An invalid v
	// is ErrInvalid and consumes nothing.
	Consume(ctx context.Context, id, lender string, v *Verdict) (Challenge, error)

	// Create also keeps a record of the challenge for Retention after
	// its creation, which outlives the challenge; a consumed challenge's
	// record waits for its verdict.

	// Record returns challenge id's record, live, consumed or expired:
	// ErrNotFound if it never existed or its retention has passed.
	Record(ctx context.Context, id string) (Record, error)
	// List returns up to limit (1 to MaxListed) of lender's records,
	// newest first, within the retention.
	List(ctx context.Context, lender string, limit int) ([]Record, error)
}

var (
	// ErrNotFound means no such challenge: never created, or expired.
	ErrNotFound = errors.New("challenges: challenge not found")
	// ErrConsumed means the challenge was already used.
	ErrConsumed = errors.New("challenges: challenge already used")
	// ErrWrongLender means the challenge belongs to another lender.
	ErrWrongLender = errors.New("challenges: challenge belongs to another lender")
	// ErrExists means Create was given the ID of a stored or used challenge.
	ErrExists = errors.New("challenges: challenge id already in use")
	// ErrNotDurable comes with a consumed challenge whose consume Redis did
	// not confirm durable (WAITAOF or WAIT fell short or failed): it is
	// consumed, but a crash before the write reaches the disk or a replica
	// could bring the challenge back.
	ErrNotDurable = errors.New("challenges: consume not confirmed durable")
	// ErrInvalid wraps a description of a malformed argument.
	ErrInvalid = errors.New("challenges: invalid argument")
)

func checkCreate(c Challenge, ttl time.Duration) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if ttl < time.Millisecond {
		return fmt.Errorf("%w: ttl must be at least 1ms", ErrInvalid)
	}
	return nil
}

// Option is an optional setting for NewMemory or NewRedis.
type Option = storeopt.Option

// WithClock sets the clock Memory expires challenges by; the default is time.Now.
// Redis expires keys by its own clock and ignores it.
func WithClock(now func() time.Time) Option { return storeopt.WithClock("challenges", now) }

// WithKeyPrefix sets the prefix of every Redis key; the default is "{tacit}:" (see storeopt).
// Memory has no keys and ignores it.
func WithKeyPrefix(prefix string) Option { return storeopt.WithKeyPrefix("challenges", prefix) }
