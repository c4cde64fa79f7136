package policydoc

import "fmt"

// RuleKind is a rule's predicate, as policy/v1's circuit numbers it.
type RuleKind uint8

// The predicates. Each reads the W months [T-W, T) of one credential.
const (
	// RuleNone disables a rule slot.
	RuleNone RuleKind = iota
	// RuleNoMonthAtOrAbove: no month has a status at or above Threshold.
	RuleNoMonthAtOrAbove
	// RuleOnTime: 1000 * (months with status ok) >= Threshold * W.
	RuleOnTime
	// RuleSum: the sum of the amounts is at least Threshold.
	RuleSum
	// RuleAverage: the sum of the amounts is at least Threshold * W.
	RuleAverage
	// RuleMinimum: every amount is at least Threshold.
	RuleMinimum
	// RuleHistory: the credential covers the W months before T.
	RuleHistory
	// NumRuleKinds is one past the last kind.
	NumRuleKinds
)

var ruleNames = [...]string{"none", "no-month-at-or-above", "on-time", "sum", "average", "minimum", "history"}

func (k RuleKind) String() string {
	if int(k) < len(ruleNames) {
		return ruleNames[k]
	}
	return fmt.Sprintf("rule(%d)", uint8(k))
}

// ParseRuleKind parses a predicate name (not "none").
func ParseRuleKind(s string) (RuleKind, error) {
	for i, n := range ruleNames {
		if i > 0 && n == s {
			return RuleKind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown predicate %q (want no-month-at-or-above, on-time, sum, average, minimum or history)", s)
}

// ReadsAmounts reports whether k reads the credential's amounts.
func (k RuleKind) ReadsAmounts() bool { return k == RuleSum || k == RuleAverage || k == RuleMinimum }

// ReadsStatuses reports whether k reads the credential's statuses.
func (k RuleKind) ReadsStatuses() bool { return k == RuleNoMonthAtOrAbove || k == RuleOnTime }
