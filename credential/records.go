package credential

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tacit-zk/tacit/internal/strictjson"
)

// MaxMonths is the longest history a credential holds, and the capacity of
// every circuit.
const MaxMonths = 60

// MaxFileSize bounds the files this package's documents are read from
// (records, credentials, issuer key files): a 60-month credential is about
// 3 KB.
const MaxFileSize = 1 << 20

// AmountBits bounds amounts: 0 <= amount < 2^AmountBits.
const (
	AmountBits = 48
	MaxAmount  = 1<<AmountBits - 1
	StatusBits = 3
)

// Status is a month's payment status, ordered by severity.
type Status uint8

const (
	StatusOK Status = iota
	StatusLate30
	StatusLate60
	StatusLate90
	StatusDefault
)

var statusNames = [...]string{"ok", "late30", "late60", "late90", "default"}

// ParseStatus parses a status name.
func ParseStatus(s string) (Status, error) {
	for i, name := range statusNames {
		if s == name {
			return Status(i), nil
		}
	}
	return 0, errors.New("credential: unknown status (want one of ok, late30, late60, late90, default)")
}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Valid reports whether s is one of the five statuses.
func (s Status) Valid() bool { return s <= StatusDefault }

// Record is one month of a history.
type Record struct {
	Status Status
	Amount uint64
}

// History is a run of consecutive months starting at PeriodStart.
type History struct {
	PeriodStart Month
	Months      []Record
}

// End is the month after the last recorded month.
func (h History) End() Month { return h.PeriodStart + Month(len(h.Months)) }

// Validate checks the history's bounds.
func (h History) Validate() error {
	if !h.PeriodStart.Valid() {
		return fieldErr("periodStart", "month is outside %d-%d", MinYear, MaxYear)
	}
	if len(h.Months) < 1 || len(h.Months) > MaxMonths {
		return fieldErr("months", "must hold 1 to %d months, holds %d", MaxMonths, len(h.Months))
	}
	if !(h.End() - 1).Valid() {
		return fieldErr("months", "the last month is after %d", MaxYear)
	}
	for i, r := range h.Months {
		if !r.Status.Valid() {
			return fieldErr(fmt.Sprintf("months[%d].status", i), "unknown status")
		}
		if r.Amount > MaxAmount {
			return fieldErr(fmt.Sprintf("months[%d].amount", i), "must be at most 2^48-1")
		}
	}
	return nil
}

type recordJSON struct {
	Status *string `json:"status"`
	Amount *uint64 `json:"amount"`
}

type historyJSON struct {
	PeriodStart *string      `json:"periodStart"`
	Months      []recordJSON `json:"months"`
}

// exportRecordJSON is a month of a data holder's export, which may carry
// its own month label. Credentials do not: their months are positional.
type exportRecordJSON struct {
	Month  *string `json:"month"`
	Status *string `json:"status"`
	Amount *uint64 `json:"amount"`
}

type exportJSON struct {
	PeriodStart *string            `json:"periodStart"`
	Months      []exportRecordJSON `json:"months"`
}

// ParseRecords decodes a data holder's export:
// {"periodStart":"2023-11","months":[{"status":"ok","amount":125000}, ...]}.
// A month may be labelled ({"month":"2023-11","status":"ok",...}); a label
// must name the month at its position, periodStart plus its index, so a
// month dropped or repeated by the export is refused instead of shifting
// the months after it.
func ParseRecords(data []byte) (History, error) {
	var w exportJSON
	if err := strictjson.Decode(data, &w, "records"); err != nil {
		return History{}, err
	}
	hw := historyJSON{PeriodStart: w.PeriodStart, Months: make([]recordJSON, len(w.Months))}
	if w.Months == nil {
		hw.Months = nil
	}
	for i, m := range w.Months {
		hw.Months[i] = recordJSON{Status: m.Status, Amount: m.Amount}
	}
	h, err := hw.history()
	if err != nil {
		return History{}, fmt.Errorf("records: %w", err)
	}
	for i, m := range w.Months {
		if m.Month == nil {
			continue
		}
		field := fmt.Sprintf("months[%d].month", i)
		label, err := ParseMonth(*m.Month)
		if err != nil {
			return History{}, fmt.Errorf("records: %w", &strictjson.FieldError{Field: field, Err: err})
		}
		if at := h.PeriodStart + Month(i); label != at {
			return History{}, fmt.Errorf("records: %w", fieldErr(field, "labelled %s, but its position is %s (periodStart plus %d): is a month missing or repeated?", label, at, i))
		}
	}
	return h, nil
}

// CheckRecordedBy refuses a history with months after the month that
// contains day d: an issuer signing on d cannot attest to later months.
func (h History) CheckRecordedBy(d Day) error {
	last := MonthOf(d.Time())
	if h.End()-1 <= last {
		return nil
	}
	i := max(0, int(last-h.PeriodStart)+1)
	return fieldErr(fmt.Sprintf("months[%d]", i), "is %s, after the signing date %s: a credential issued then holds months up to %s",
		h.PeriodStart+Month(i), d, last)
}

func (w historyJSON) history() (History, error) {
	if w.PeriodStart == nil {
		return History{}, fieldErr("periodStart", "missing")
	}
	start, err := ParseMonth(*w.PeriodStart)
	if err != nil {
		return History{}, &strictjson.FieldError{Field: "periodStart", Err: err}
	}
	if w.Months == nil {
		return History{}, fieldErr("months", "missing")
	}
	h := History{PeriodStart: start, Months: make([]Record, len(w.Months))}
	for i, m := range w.Months {
		if m.Status == nil {
			return History{}, fieldErr(fmt.Sprintf("months[%d].status", i), "missing")
		}
		if m.Amount == nil {
			return History{}, fieldErr(fmt.Sprintf("months[%d].amount", i), "missing")
		}
		st, err := ParseStatus(*m.Status)
		if err != nil {
			return History{}, &strictjson.FieldError{Field: fmt.Sprintf("months[%d].status", i), Err: err}
		}
		h.Months[i] = Record{Status: st, Amount: *m.Amount}
	}
	return h, h.Validate()
}

func (h History) wire() historyJSON {
	start := h.PeriodStart.String()
	w := historyJSON{PeriodStart: &start, Months: make([]recordJSON, len(h.Months))}
	for i, r := range h.Months {
		st, amt := r.Status.String(), r.Amount
		w.Months[i] = recordJSON{Status: &st, Amount: &amt}
	}
	return w
}

// MarshalJSON writes the records export format.
func (h History) MarshalJSON() ([]byte, error) { return json.Marshal(h.wire()) }
