package challenges

import (
	"encoding/json"
	"fmt"
	"time"
)

// Retention is how long a challenge's record (its request, its state and
// the verdict on its answer) stays readable after its creation, beyond the
// challenge's own lifetime: a lender reads verdicts for a week. After it
// the record is gone (ErrNotFound), as the challenge is.
const Retention = 7 * 24 * time.Hour

// MaxListed is how many of a lender's challenges List returns at most:
// the newest, within the retention. Older ones stay readable by id.
const MaxListed = 100

// State is where a challenge stands, as its lender sees it.
type State string

// The states of a challenge.
const (
	// StatePending: not answered, not expired.
	StatePending State = "pending"
	// StateVerified: answered with an attestation that verified.
	StateVerified State = "verified"
	// StateRefused: answered with an attestation that was refused.
	StateRefused State = "refused"
	// StateExpired: not answered before it expired.
	StateExpired State = "expired"
)

// Verdict is what became of a challenge's answer.
type Verdict struct {
	Verified bool `json:"verified"`
	// Result is the verification response, as the API returned it (verified only).
	Result json.RawMessage `json:"result,omitempty"`
	// Attestation is the archived attestation (verified only).
	Attestation json.RawMessage `json:"attestation,omitempty"`
	// Code and Message are the refusal's stable code and constant message
	// (refused only).
	Code    string    `json:"code,omitempty"`
	Message string    `json:"message,omitempty"`
	At      time.Time `json:"at"`
}

// Record is a challenge as its lender sees it: the challenge and, once it
// was answered, the verdict.
type Record struct {
	Challenge Challenge
	Verdict   *Verdict
}

// State says where the record stands at now.
func (r Record) State(now time.Time) State {
	switch {
	case r.Verdict != nil && r.Verdict.Verified:
		return StateVerified
	case r.Verdict != nil:
		return StateRefused
	case !now.Before(r.Challenge.ExpiresAt):
		return StateExpired
	}
	return StatePending
}

// checkVerdict refuses a verdict a record could not show: one without a
// time, a verified one without its result and attestation, a refused one
// without its code.
func checkVerdict(v Verdict) error {
	switch {
	case v.At.IsZero():
		return fmt.Errorf("%w: verdict without a time", ErrInvalid)
	case v.Verified && (len(v.Result) == 0 || !json.Valid(v.Result) || len(v.Attestation) == 0 || !json.Valid(v.Attestation)):
		return fmt.Errorf("%w: a verified verdict needs its result and attestation as JSON", ErrInvalid)
	case !v.Verified && v.Code == "":
		return fmt.Errorf("%w: a refused verdict needs its code", ErrInvalid)
	}
	return nil
}

func checkLimit(limit int) error {
	if limit < 1 || limit > MaxListed {
		return fmt.Errorf("%w: list limit must be 1 to %d", ErrInvalid, MaxListed)
	}
	return nil
}
