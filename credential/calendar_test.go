package credential_test

import (
	"testing"
	"time"

	"github.com/tacit-zk/tacit/credential"
)

func TestParseMonth(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"1970-01", true}, {"2023-11", true}, {"2199-12", true},
		{"2023-1", false}, {"2023-13", false}, {"2023-00", false}, {"1969-12", false}, {"2200-01", false},
		{"23-11", false}, {"02023-11", false}, {" 2023-11", false}, {"2023-11 ", false}, {"2023/11", false},
		{"2023-11-01", false}, {"", false}, {"+2023-11", false},
	} {
		m, err := credential.ParseMonth(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseMonth(%q) error %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if err != nil {
			wantErr(t, err, "credential: month ")
		} else if m.String() != tc.in || !m.Valid() {
			t.Errorf("ParseMonth(%q) = %v (valid %v)", tc.in, m, m.Valid())
		}
	}
}

func TestParseDay(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"1970-01-01", true}, {"2028-02-29", true}, {"2000-02-29", true}, {"2199-12-31", true},
		{"2027-02-29", false}, {"2100-02-29", false}, {"2027-02-30", false}, {"2027-04-31", false},
		{"2027-6-1", false}, {"2027-06-1", false}, {"1969-12-31", false}, {"2200-01-01", false},
		{"2027-06-01T00:00:00Z", false}, {"2027-06", false}, {"", false},
	} {
		d, err := credential.ParseDay(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseDay(%q) error %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if err != nil {
			wantErr(t, err, "credential: date ")
		} else if d.String() != tc.in {
			t.Errorf("ParseDay(%q).String() = %q", tc.in, d.String())
		}
	}
	if d, _ := credential.ParseDay("1970-01-01"); d != 0 {
		t.Errorf("1970-01-01 is day %d, want 0", d)
	}
	if d, _ := credential.ParseDay("2028-03-01"); d-1 != mustDay(t, "2028-02-29") {
		t.Error("2028-02-29 is not the day before 2028-03-01")
	}
}

func mustDay(t *testing.T, s string) credential.Day {
	t.Helper()
	d, err := credential.ParseDay(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestEveryMonth walks every month in range: String and ParseMonth invert
// each other, FirstDay is the 1st, months are consecutive, and the values fit
// the widths the circuits range-check.
func TestEveryMonth(t *testing.T) {
	first, err := credential.ParseMonth("1970-01")
	if err != nil {
		t.Fatal(err)
	}
	last, err := credential.ParseMonth("2199-12")
	if err != nil {
		t.Fatal(err)
	}
	if last-first+1 != (credential.MaxYear-credential.MinYear+1)*12 {
		t.Fatalf("months are not consecutive: %d to %d", first, last)
	}
	if last >= 1<<credential.MonthBits || mustDay(t, "2199-12-31") >= 1<<credential.DayBits {
		t.Fatal("the last month or day does not fit the range-checked width")
	}
	for m := first; m <= last; m++ {
		s := m.String()
		if got, err := credential.ParseMonth(s); err != nil || got != m {
			t.Fatalf("ParseMonth(%q) = %v, %v, want %v", s, got, err, m)
		}
		if got := m.FirstDay().String(); got != s+"-01" {
			t.Fatalf("%s.FirstDay() = %s", s, got)
		}
		if credential.MonthOf(m.FirstDay().Time()) != m {
			t.Fatalf("MonthOf(%s.FirstDay()) != %s", s, s)
		}
	}
	if (first - 1).Valid() || (last + 1).Valid() || credential.Month(-1).Valid() {
		t.Fatal("a month outside 1970-2199 is valid")
	}
}

func TestDayAndMonthOfUseUTC(t *testing.T) {
	kiritimati := time.FixedZone("+14", 14*3600)
	local := time.Date(2028, 3, 1, 9, 0, 0, 0, kiritimati) // still 2028-02-29 in UTC
	if got := credential.DayOf(local).String(); got != "2028-02-29" {
		t.Errorf("DayOf = %s, want 2028-02-29", got)
	}
	if got := credential.MonthOf(local).String(); got != "2028-02" {
		t.Errorf("MonthOf = %s, want 2028-02", got)
	}
	if credential.Today(local) != credential.DayOf(local) {
		t.Error("Today differs from DayOf")
	}
	if d := mustDay(t, "2028-02-29"); !d.Time().Equal(time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Time() = %v", d.Time())
	}
}
