package credential_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
)

// recordsDoc writes a records document; start and each month are raw JSON.
func recordsDoc(start string, months ...string) string {
	return fmt.Sprintf(`{"periodStart":%s,"months":[%s]}`, start, strings.Join(months, ","))
}

// nMonths repeats an ok month n times.
func nMonths(n int) []string {
	m := make([]string, n)
	for i := range m {
		m[i] = okMonth
	}
	return m
}

const okMonth = `{"status":"ok","amount":1}`

// third puts m at index 2 after two ok months.
func third(m string) string { return recordsDoc(`"2023-11"`, okMonth, okMonth, m) }

func TestParseRecordsShippedExamples(t *testing.T) {
	for _, path := range globExamples(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		h, err := credential.ParseRecords(data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		assertRecordsCanonical(t, h)
	}
}

func TestParseRecordsExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "records.json"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := credential.ParseRecords(data)
	if err != nil {
		t.Fatal(err)
	}
	if h.PeriodStart != fixture.Month("2024-07") || len(h.Months) != 8 || h.End() != fixture.Month("2025-03") {
		t.Fatalf("parsed %v, %d months", h.PeriodStart, len(h.Months))
	}
	want := []credential.Status{credential.StatusOK, credential.StatusOK, credential.StatusLate30, credential.StatusOK,
		credential.StatusLate60, credential.StatusLate90, credential.StatusDefault, credential.StatusOK}
	for i, r := range h.Months {
		if r.Status != want[i] {
			t.Errorf("months[%d].status = %v, want %v", i, r.Status, want[i])
		}
	}
	if h.Months[7].Amount != credential.MaxAmount {
		t.Errorf("months[7].amount = %d, want 2^48-1", h.Months[7].Amount)
	}
	assertRecordsCanonical(t, h)
}

// assertRecordsCanonical checks that h marshals to a document that parses
// back to h and marshals to the same bytes.
func assertRecordsCanonical(t *testing.T, h credential.History) {
	t.Helper()
	b1, err := h.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	h2, err := credential.ParseRecords(b1)
	if err != nil {
		t.Fatalf("re-parsing %s: %v", b1, err)
	}
	if !reflect.DeepEqual(h, h2) {
		t.Fatalf("round trip changed the history: %+v != %+v", h, h2)
	}
	b2, err := h2.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("not canonical:\n%s\n%s", b1, b2)
	}
}

func TestParseRecordsAccepts(t *testing.T) {
	for _, tc := range []struct{ name, doc string }{
		{"amount 2^48-1", third(`{"status":"ok","amount":281474976710655}`)},
		{"amount 0", third(`{"status":"ok","amount":0}`)},
		{"every status", recordsDoc(`"2023-11"`, `{"status":"ok","amount":1}`, `{"status":"late30","amount":1}`,
			`{"status":"late60","amount":1}`, `{"status":"late90","amount":1}`, `{"status":"default","amount":1}`)},
		{"60 months", recordsDoc(`"2023-11"`, nMonths(60)...)},
		{"first month 1970-01", recordsDoc(`"1970-01"`, okMonth)},
		{"last month 2199-12", recordsDoc(`"2199-11"`, okMonth, okMonth)},
		{"every month labelled", recordsDoc(`"2023-11"`, `{"month":"2023-11","status":"ok","amount":1}`,
			`{"month":"2023-12","status":"late30","amount":2}`, `{"month":"2024-01","status":"ok","amount":3}`)},
		{"some months labelled", third(`{"status":"ok","amount":1,"month":"2024-01"}`)},
		{"keys in another order and whitespace", " {\"months\" : [ {\"amount\":1, \"status\":\"ok\"} ],\n\"periodStart\":\"2023-11\"}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := credential.ParseRecords([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Validate(); err != nil {
				t.Fatal(err)
			}
			assertRecordsCanonical(t, h)
		})
	}
}

func TestParseRecordsRefuses(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"unknown top-level field", `{"periodStart":"2023-11","months":[` + okMonth + `],"note":"x"}`, `unknown field "note"`},
		{"unknown field in a month", third(`{"status":"ok","amount":1,"note":"x"}`), `unknown field "months[2].note"`},
		{"key differing only in case", `{"PeriodStart":"2023-11","months":[` + okMonth + `]}`, `unknown field "PeriodStart"`},
		{"key folding to a field name", third(`{"ſtatus":"ok","amount":1}`), `unknown field "months[2].ſtatus"`},
		{"duplicate key", `{"periodStart":"2023-11","periodStart":"2024-11","months":[` + okMonth + `]}`, `"periodStart" appears twice`},
		{"duplicate key differing in case", `{"periodStart":"2023-11","PERIODSTART":"2024-11","months":[` + okMonth + `]}`, `"PERIODSTART"`},
		{"duplicate key in a month", third(`{"status":"ok","amount":1,"amount":2}`), `"months[2].amount" appears twice`},
		{"trailing value", recordsDoc(`"2023-11"`, okMonth) + ` {}`, "after the JSON value"},
		{"trailing garbage", recordsDoc(`"2023-11"`, okMonth) + `x`, "after the JSON value"},
		{"empty input", ``, "malformed JSON"},
		{"truncated", recordsDoc(`"2023-11"`, okMonth)[:30], "malformed JSON"},
		{"not an object", `[]`, "expected an object"},
		{"null document", `null`, "expected an object"},
		{"0 months", recordsDoc(`"2023-11"`), `field "months": must hold 1 to 60 months, holds 0`},
		{"61 months", recordsDoc(`"2023-11"`, nMonths(61)...), `field "months": must hold 1 to 60 months, holds 61`},
		{"amount 2^48", third(`{"status":"ok","amount":281474976710656}`), `field "months[2].amount"`},
		{"amount 2^64", third(`{"status":"ok","amount":18446744073709551616}`), `field "months[2].amount"`},
		{"negative amount", third(`{"status":"ok","amount":-1}`), `field "months[2].amount"`},
		{"fractional amount", third(`{"status":"ok","amount":1.5}`), `field "months[2].amount"`},
		{"integral amount with a fraction", third(`{"status":"ok","amount":1.0}`), `field "months[2].amount"`},
		{"amount with an exponent", third(`{"status":"ok","amount":1e3}`), `field "months[2].amount"`},
		{"amount as a string", third(`{"status":"ok","amount":"125000"}`), `field "months[2].amount"`},
		{"amount as a boolean", third(`{"status":"ok","amount":true}`), `field "months[2].amount"`},
		{"unknown status", third(`{"status":"late120","amount":1}`), `field "months[2].status"`},
		{"uppercase status", third(`{"status":"OK","amount":1}`), `field "months[2].status"`},
		{"status as a number", third(`{"status":0,"amount":1}`), `field "months[2].status"`},
		{"periodStart 2023-1", recordsDoc(`"2023-1"`, okMonth), `field "periodStart"`},
		{"periodStart 2023-13", recordsDoc(`"2023-13"`, okMonth), `field "periodStart"`},
		{"periodStart 2023-00", recordsDoc(`"2023-00"`, okMonth), `field "periodStart"`},
		{"periodStart 1969-12", recordsDoc(`"1969-12"`, okMonth), `field "periodStart"`},
		{"periodStart 2200-01", recordsDoc(`"2200-01"`, okMonth), `field "periodStart"`},
		{"periodStart a date", recordsDoc(`"2023-11-01"`, okMonth), `field "periodStart"`},
		{"last month after 2199", recordsDoc(`"2199-12"`, okMonth, okMonth), `field "months": the last month is after 2199`},
		{"missing periodStart", `{"months":[` + okMonth + `]}`, `field "periodStart": missing`},
		{"missing months", `{"periodStart":"2023-11"}`, `field "months": missing`},
		{"missing status", third(`{"amount":1}`), `field "months[2].status": missing`},
		{"missing amount", third(`{"status":"ok"}`), `field "months[2].amount": missing`},
		{"null periodStart", recordsDoc(`null`, okMonth), `field "periodStart": missing`},
		{"null months", `{"periodStart":"2023-11","months":null}`, `field "months": missing`},
		{"null month", third(`null`), `field "months[2]"`},
		{"null status", third(`{"status":null,"amount":1}`), `field "months[2].status": missing`},
		{"null amount", third(`{"status":"ok","amount":null}`), `field "months[2].amount": missing`},
		{"months as an object", `{"periodStart":"2023-11","months":{}}`, `field "months": expected an array`},
		{"month label off by one", third(`{"month":"2024-02","status":"ok","amount":1}`), `field "months[2].month": labelled 2024-02, but its position is 2024-01`},
		{"month label before its position", third(`{"month":"2023-12","status":"ok","amount":1}`), `labelled 2023-12, but its position is 2024-01`},
		{"month label malformed", third(`{"month":"2024-1","status":"ok","amount":1}`), `field "months[2].month"`},
		{"month label a date", third(`{"month":"2024-01-01","status":"ok","amount":1}`), `field "months[2].month"`},
		{"month label a number", third(`{"month":202401,"status":"ok","amount":1}`), `field "months[2].month"`},
		{"month label null and the next one dropped", recordsDoc(`"2023-11"`, `{"month":null,"status":"ok","amount":1}`, `{"month":"2024-01","status":"ok","amount":1}`), `field "months[1].month"`},
		{"duplicate month label key", third(`{"month":"2024-01","month":"2024-01","status":"ok","amount":1}`), `"months[2].month" appears twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := credential.ParseRecords([]byte(tc.doc))
			wantErr(t, err, "records: ", tc.want)
			if !reflect.DeepEqual(h, credential.History{}) {
				t.Errorf("returned %+v with the error", h)
			}
		})
	}
}

// TestParseRecordsErrorsDoNotEchoValues: amounts are the holder's private
// figures, and an error message may travel further than the document.
func TestParseRecordsErrorsDoNotEchoValues(t *testing.T) {
	for _, tc := range []struct{ doc, value string }{
		{third(`{"status":"ok","amount":281474976710656}`), "281474976710656"},
		{third(`{"status":"ok","amount":1234567.5}`), "1234567"},
		{third(`{"status":"ok","amount":-7654321}`), "7654321"},
		{third(`{"status":"ok","amount":"7654321"}`), "7654321"},
		{third(`{"status":"late7654321","amount":1}`), "7654321"},
		{recordsDoc(`"7654-32"`, okMonth), "7654"},
	} {
		_, err := credential.ParseRecords([]byte(tc.doc))
		if err == nil || strings.Contains(err.Error(), tc.value) {
			t.Errorf("%s: error %v echoes %s", tc.doc, err, tc.value)
		}
	}
}

// TestParseRecordsDroppedMonth: an export that lost a month shifts every
// later month back by one; labels catch it at the first shifted month.
func TestParseRecordsDroppedMonth(t *testing.T) {
	var months []string
	for i, m := range []string{"2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-07", "2024-08"} { // 2024-06 dropped
		months = append(months, fmt.Sprintf(`{"month":%q,"status":"ok","amount":%d}`, m, i+1))
	}
	_, err := credential.ParseRecords([]byte(recordsDoc(`"2024-01"`, months...)))
	wantErr(t, err, `field "months[5].month": labelled 2024-07, but its position is 2024-06`)

	// Unlabelled, the same export parses: the labels are what catch it.
	if _, err := credential.ParseRecords([]byte(recordsDoc(`"2024-01"`, nMonths(7)...))); err != nil {
		t.Fatal(err)
	}
}

func TestCheckRecordedBy(t *testing.T) {
	h := fixture.History("2026-01", 11, nil) // 2026-01 .. 2026-11
	for _, tc := range []struct {
		day  string
		want string // "" accepted
	}{
		{"2026-11-01", ""},
		{"2026-11-30", ""},
		{"2027-03-15", ""},
		{"2026-10-31", `field "months[10]": is 2026-11, after the signing date 2026-10-31`},
		{"2026-06-15", `field "months[6]": is 2026-07`},
		{"2025-12-31", `field "months[0]": is 2026-01`},
		{"2020-01-01", `field "months[0]": is 2026-01`},
	} {
		err := h.CheckRecordedBy(fixture.Day(tc.day))
		if tc.want == "" {
			if err != nil {
				t.Errorf("signed %s: %v", tc.day, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("signed %s: %v, want %q", tc.day, err, tc.want)
		}
	}
}

func TestHistoryValidate(t *testing.T) {
	ok := fixture.History("2023-11", 3, nil)
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mut  func(*credential.History)
		want string
	}{
		{"status 5", func(h *credential.History) { h.Months[1].Status = credential.StatusDefault + 1 }, `field "months[1].status"`},
		{"amount 2^48", func(h *credential.History) { h.Months[2].Amount = credential.MaxAmount + 1 }, `field "months[2].amount"`},
		{"no months", func(h *credential.History) { h.Months = nil }, `field "months"`},
		{"start before 1970", func(h *credential.History) { h.PeriodStart = fixture.Month("1970-01") - 1 }, `field "periodStart"`},
		{"negative start", func(h *credential.History) { h.PeriodStart = -1 }, `field "periodStart"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := fixture.History("2023-11", 3, nil)
			tc.mut(&h)
			wantErr(t, h.Validate(), tc.want)
		})
	}
}

func TestStatusNames(t *testing.T) {
	for s := credential.StatusOK; s <= credential.StatusDefault; s++ {
		got, err := credential.ParseStatus(s.String())
		if err != nil || got != s || !s.Valid() {
			t.Errorf("status %d: ParseStatus(%q) = %v, %v", s, s.String(), got, err)
		}
	}
	if s := credential.StatusDefault + 1; s.Valid() || s.String() != "status(5)" {
		t.Errorf("status 5: Valid %v, String %q", s.Valid(), s.String())
	}
}

// FuzzParseRecords checks that ParseRecords never panics, that whatever it
// accepts is valid, and that its encoding is canonical.
func FuzzParseRecords(f *testing.F) {
	for _, path := range append([]string{filepath.Join("testdata", "records.json")}, globExamples(f)...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, h := range []credential.History{
		fixture.History("2023-11", 36, map[int]credential.Status{4: credential.StatusLate30, 20: credential.StatusDefault}),
		fixture.History("2199-12", 1, nil),
		fixture.History("1970-01", credential.MaxMonths, nil),
	} {
		data, err := h.MarshalJSON()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		third(`{"status":"ok","amount":1.5}`),
		third(`{"status":"OK","amount":1}`),
		third(`{"status":"ok","amount":1,"amount":2}`),
		`{"PeriodStart":"2023-11","months":[` + okMonth + `]}`,
		recordsDoc(`"2199-12"`, okMonth, okMonth),
		recordsDoc(`"2023-11"`, okMonth) + ` {}`,
		`{"periodStart":"2023-11","months":[{"status":"late90","amount":281474976710656}]}`,
		recordsDoc(`"2023-11"`, `{"month":"2023-11","status":"ok","amount":1}`, `{"month":"2023-12","status":"default","amount":2}`),
		recordsDoc(`"2024-01"`, `{"month":"2024-01","status":"ok","amount":1}`, `{"month":"2024-03","status":"ok","amount":2}`),
		third(`{"month":"2024-1","status":"ok","amount":1}`),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := credential.ParseRecords(data)
		if err != nil {
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("accepted an invalid history: %v", err)
		}
		assertRecordsCanonical(t, h)
	})
}

// globExamples lists the example exports shipped with the repository.
func globExamples(tb testing.TB) []string {
	paths, err := filepath.Glob(filepath.Join("..", "examples", "records", "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	return paths
}
