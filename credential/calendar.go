package credential

import (
	"errors"
	"fmt"
	"time"
)

// Years outside [MinYear, MaxYear] are refused. The bounds keep month
// indices below 2^15 and day numbers below 2^17, the widths the circuits
// range-check.
const (
	MinYear = 1970
	MaxYear = 2199

	MonthBits = 15
	DayBits   = 17
)

// Month counts months since January of year 0: year*12 + (month-1).
type Month int32

// Day counts days since 1970-01-01.
type Day int32

// ParseMonth parses "YYYY-MM".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || t.Format("2006-01") != s {
		return 0, errors.New("credential: month is not of the form YYYY-MM")
	}
	if t.Year() < MinYear || t.Year() > MaxYear {
		return 0, fmt.Errorf("credential: month is outside %d-%d", MinYear, MaxYear)
	}
	return MonthOf(t), nil
}

// MonthOf returns the month that contains t (in UTC).
func MonthOf(t time.Time) Month {
	t = t.UTC()
	return Month(t.Year()*12 + int(t.Month()) - 1)
}

// Year and MonthOfYear split m.
func (m Month) Year() int        { return int(m) / 12 }
func (m Month) MonthOfYear() int { return int(m)%12 + 1 }

// String formats m as "YYYY-MM".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year(), m.MonthOfYear()) }

// FirstDay is the day number of the first day of m.
func (m Month) FirstDay() Day {
	t := time.Date(m.Year(), time.Month(m.MonthOfYear()), 1, 0, 0, 0, 0, time.UTC)
	return DayOf(t)
}

// Valid reports whether m lies within [MinYear, MaxYear].
func (m Month) Valid() bool { return m.Year() >= MinYear && m.Year() <= MaxYear && m >= 0 }

// ParseDay parses "YYYY-MM-DD".
func ParseDay(s string) (Day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return 0, errors.New("credential: date is not of the form YYYY-MM-DD")
	}
	if t.Year() < MinYear || t.Year() > MaxYear {
		return 0, fmt.Errorf("credential: date is outside %d-%d", MinYear, MaxYear)
	}
	return DayOf(t), nil
}

// DayOf returns the day that contains t (in UTC).
func DayOf(t time.Time) Day {
	t = t.UTC()
	return Day(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Time returns midnight UTC at the start of d.
func (d Day) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String formats d as "YYYY-MM-DD".
func (d Day) String() string { return d.Time().Format(time.DateOnly) }
