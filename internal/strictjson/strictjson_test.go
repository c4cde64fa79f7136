package strictjson_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/internal/strictjson"
)

type strictInner struct {
	N uint8 `json:"n"`
}

type strictEmbedded struct {
	E string `json:"e"`
}

type strictDoc struct {
	strictEmbedded
	S     string            `json:"s"`
	I     int               `json:"i"`
	F     float64           `json:"f"`
	B     bool              `json:"b"`
	Inner strictInner       `json:"inner"`
	List  []strictInner     `json:"list"`
	Map   map[string]int    `json:"map"`
	Opt   *string           `json:"opt"`
	Omit  int               `json:"omit,omitempty"`
	Raw   json.RawMessage   `json:"raw"`
	Any   any               `json:"any"`
	Num   json.Number       `json:"num,omitempty"`
	Dates map[string]string `json:"-"`
}

const strictValid = `{"e":"x","s":"x","i":-3,"f":1.5e3,"b":true,"inner":{"n":255},"list":[{"n":0}],"map":{"k":1}}`

// TestDecodeRefusesCaseFoldedKeys is the regression test for a
// parser differential: encoding/json matches keys case-insensitively (with
// Unicode folding, so "ſ" matches "s"), which let {"s":..,"S":..} through
// the duplicate check and let the second key win, and accepted "S" alone as
// a second spelling of "s".
func TestDecodeRefusesCaseFoldedKeys(t *testing.T) {
	for _, doc := range []string{
		`{"s":"a","S":"b"}`,
		`{"S":"b"}`,
		`{"ſ":"b"}`,
		`{"inner":{"N":1}}`,
		`{"list":[{"n":1},{"N":1}]}`,
		`{"E":"x"}`,
	} {
		var v strictDoc
		wantErr(t, strictjson.Decode([]byte(doc), &v, "doc"), "doc: unknown field")
	}
}

func TestDecode(t *testing.T) {
	var v strictDoc
	if err := strictjson.Decode([]byte(strictValid), &v, "doc"); err != nil {
		t.Fatal(err)
	}
	if v.E != "x" || v.I != -3 || v.F != 1500 || v.Inner.N != 255 || v.Map["k"] != 1 {
		t.Fatalf("decoded %+v", v)
	}
	splice := func(s string) string { return strictValid[:len(strictValid)-1] + "," + s + "}" }
	for _, tc := range []struct{ name, doc, want string }{
		{"unknown field", splice(`"x":1`), `unknown field "x"`},
		{"ignored field by its Go name", splice(`"Dates":{}`), `unknown field "Dates"`},
		{"unknown nested field", `{"inner":{"n":1,"m":2}}`, `unknown field "inner.m"`},
		{"duplicate in a map", splice(`"map":{"k":1,"k":2}`), `"map" appears twice`},
		{"duplicate inside a map value", `{"map":{"k":1,"k":2}}`, `"map.k" appears twice`},
		{"duplicate inside raw JSON", `{"raw":{"a":1,"a":2}}`, `"raw.a" appears twice`},
		{"duplicate inside any", `{"any":[{"a":1,"a":2}]}`, `"any[0].a" appears twice`},
		{"missing required field", `{"e":"x"}`, `field "s": missing`},
		{"missing embedded field", `{"s":"x","i":1,"f":1,"b":true,"inner":{"n":1}}`, `field "e": missing`},
		{"missing nested field", `{"inner":{}}`, `field "inner.n": missing`},
		{"null for a string", `{"s":null}`, `field "s": expected a string, got JSON null`},
		{"null for an int", `{"i":null}`, `field "i"`},
		{"null for a struct", `{"inner":null}`, `field "inner"`},
		{"uint8 overflow", `{"inner":{"n":256}}`, `field "inner.n"`},
		{"minus zero", `{"i":-0}`, `field "i"`},
		{"int with a fraction", `{"i":1.0}`, `field "i"`},
		{"string for a bool", `{"b":"true"}`, `field "b"`},
		{"number for a string", `{"s":1}`, `field "s"`},
		{"object for an array", `{"list":{}}`, `field "list"`},
		{"array for a map", `{"map":[]}`, `field "map"`},
		{"string for a json.Number", `{"num":"1"}`, `field "num": expected a number`},
		{"wrong type in a map value", `{"map":{"k":"1"}}`, `field "map.k"`},
		{"wrong type in a list", `{"list":[{"n":1},1]}`, `field "list[1]"`},
		{"trailing data", strictValid + `1`, "after the JSON value"},
		{"second document", strictValid + strictValid, "after the JSON value"},
		{"malformed", `{"s":}`, "malformed JSON"},
		{"unterminated", `{"s":"x"`, "malformed JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v strictDoc
			wantErr(t, strictjson.Decode([]byte(tc.doc), &v, "doc"), "doc: ", tc.want)
		})
	}
	for _, tc := range []struct{ name, doc string }{
		{"null for nullable fields", `{"e":"x","s":"x","i":0,"f":0,"b":false,"inner":{"n":0},"opt":null,"list":null,"map":null,"raw":null,"any":null}`},
		{"omitted omitempty field", strictValid},
		{"nested any", splice(`"any":{"a":[1,"x",null,{"b":false}]}`)},
		{"json.Number", splice(`"num":-1.5e300`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v strictDoc
			if err := strictjson.Decode([]byte(tc.doc), &v, "doc"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDecodeNamesFields(t *testing.T) {
	var v strictDoc
	err := strictjson.Decode([]byte(`{"list":[{"n":1},{"n":-1}]}`), &v, "doc")
	var fe *strictjson.FieldError
	if !errors.As(err, &fe) || fe.Field != "list[1].n" {
		t.Fatalf("error %v is not a FieldError for list[1].n", err)
	}
	if err := strictjson.Decode([]byte(`{}`), v, "doc"); err == nil {
		t.Fatal("decoded into a non-pointer")
	}
}

// wantErr fails unless err is non-nil and its message contains each of subs.
func wantErr(t *testing.T, err error, subs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want an error mentioning %q", subs)
	}
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("error %q does not mention %q", err, s)
		}
	}
}

// nested returns n arrays (open "[", close "]") or objects (open `{"a":`,
// close "}") nested in one another, around inner.
func nested(open, close, inner string, n int) string {
	return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
}

// TestDecodeRefusesDeepNesting is the regression test for a denial of
// service: the walk recursed with no depth limit and built each field's
// path at every level, so some 80 KB of "[[[[..." in a json.RawMessage or
// interface field drove memory use to gigabytes (quadratic in the depth).
func TestDecodeRefusesDeepNesting(t *testing.T) {
	const size = 200 << 10
	arrays := nested("[", "]", "", size/2)
	objects := nested(`{"a":`, "}", "1", size/6)
	type rawDoc struct {
		Raw json.RawMessage `json:"raw"`
	}
	type anyDoc struct {
		Any any `json:"any"`
	}
	for _, tc := range []struct {
		name string
		doc  string
		v    func() any
	}{
		{"arrays in a RawMessage field", `{"raw":` + arrays + `}`, func() any { return new(rawDoc) }},
		{"objects in a RawMessage field", `{"raw":` + objects + `}`, func() any { return new(rawDoc) }},
		{"arrays in an interface field", `{"any":` + arrays + `}`, func() any { return new(anyDoc) }},
		{"objects in an interface field", `{"any":` + objects + `}`, func() any { return new(anyDoc) }},
		{"arrays at top level, into any", arrays, func() any { return new(any) }},
		{"objects at top level, into any", objects, func() any { return new(any) }},
		{"arrays at top level, into a RawMessage", arrays, func() any { return new(json.RawMessage) }},
		{"objects at top level, into a RawMessage", objects, func() any { return new(json.RawMessage) }},
		{"arrays at top level, into a struct", arrays, func() any { return new(strictDoc) }},
		{"objects in a struct's any field", `{"any":` + objects + `}`, func() any { return new(strictDoc) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte(tc.doc)
			v := tc.v()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			err := strictjson.Decode(data, v, "doc")
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if _, isStruct := v.(*strictDoc); isStruct && strings.HasPrefix(tc.doc, "[") {
				wantErr(t, err, "doc: expected an object, got JSON array")
			} else {
				wantErr(t, err, "doc: nesting deeper than 64 levels")
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
				t.Errorf("allocated %d MB refusing a %d KB document", grew>>20, len(data)>>10)
			}
			if elapsed > 2*time.Second {
				t.Errorf("took %v to refuse a %d KB document", elapsed, len(data)>>10)
			}
		})
	}
}

func TestDecodeDepthLimit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		doc   func(depth int) string
		v     func() any
		extra int // levels the document adds around the nested value
	}{
		{"arrays at top level", func(n int) string { return nested("[", "]", "", n) }, func() any { return new(any) }, 0},
		{"objects at top level", func(n int) string { return nested(`{"a":`, "}", "1", n) }, func() any { return new(any) }, 0},
		{"arrays in a RawMessage field", func(n int) string { return `{"raw":` + nested("[", "]", "", n) + `}` },
			func() any {
				return new(struct {
					Raw json.RawMessage `json:"raw"`
				})
			}, 1},
		{"objects in an interface field", func(n int) string { return `{"any":` + nested(`{"a":`, "}", "1", n) + `}` },
			func() any {
				return new(struct {
					Any any `json:"any"`
				})
			}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inner := strictjson.MaxDepth - tc.extra
			if err := strictjson.Decode([]byte(tc.doc(inner)), tc.v(), "doc"); err != nil {
				t.Fatalf("depth %d refused: %v", strictjson.MaxDepth, err)
			}
			wantErr(t, strictjson.Decode([]byte(tc.doc(inner+1)), tc.v(), "doc"), "doc: nesting deeper than 64 levels")
		})
	}
}

func TestDecodeDepthErrorNamesNoPath(t *testing.T) {
	err := strictjson.Decode([]byte(nested("[", "]", "", 65)), new(any), "doc")
	if err == nil || err.Error() != "doc: nesting deeper than 64 levels" {
		t.Fatalf("error %v", err)
	}
}

// TestDecodeLimits checks each bound at its edge: the largest document
// within it decodes, one more key, element, byte or character is refused
// with an error that names the field and does not echo the value.
func TestDecodeLimits(t *testing.T) {
	type doc struct {
		Map  map[string]int   `json:"map"`
		List []int            `json:"list"`
		S    string           `json:"s,omitempty"`
		Raw  json.RawMessage  `json:"raw"`
		F    float64          `json:"f,omitempty"`
		Nums []json.Number    `json:"nums"`
		Objs []map[string]any `json:"objs"`
	}
	keys := func(n int) string {
		var b strings.Builder
		b.WriteByte('{')
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%d":1`, i)
		}
		b.WriteByte('}')
		return b.String()
	}
	elems := func(n int) string { return "[" + strings.TrimSuffix(strings.Repeat("1,", n), ",") + "]" }
	str := func(n int) string { return `"` + strings.Repeat("x", n) + `"` }
	num := func(n int) string { return "1" + strings.Repeat("0", n-1) }
	for _, tc := range []struct {
		name        string
		ok, refused string
		want        string
	}{
		{"keys in a map", `{"map":` + keys(strictjson.MaxKeys) + `}`, `{"map":` + keys(strictjson.MaxKeys+1) + `}`,
			`field "map": an object has more than 1024 keys`},
		{"keys inside raw JSON", `{"raw":[` + keys(strictjson.MaxKeys) + `]}`, `{"raw":[` + keys(strictjson.MaxKeys+1) + `]}`,
			`field "raw[0]": an object has more than 1024 keys`},
		{"elements of a list", `{"list":` + elems(strictjson.MaxElements) + `}`, `{"list":` + elems(strictjson.MaxElements+1) + `}`,
			`field "list": an array has more than 4096 elements`},
		{"elements inside raw JSON", `{"raw":{"a":` + elems(strictjson.MaxElements) + `}}`, `{"raw":{"a":` + elems(strictjson.MaxElements+1) + `}}`,
			`field "raw.a": an array has more than 4096 elements`},
		{"a string", `{"s":` + str(strictjson.MaxString) + `}`, `{"s":` + str(strictjson.MaxString+1) + `}`,
			`field "s": a string is longer than 1048576 bytes`},
		{"a key inside raw JSON", `{"raw":{` + str(strictjson.MaxString) + `:1}}`, `{"raw":{` + str(strictjson.MaxString+1) + `:1}}`,
			`field "raw": a key is longer than 1048576 bytes`},
		{"a float", `{"f":` + num(strictjson.MaxNumber) + `}`, `{"f":` + num(strictjson.MaxNumber+1) + `}`,
			`field "f": a number is longer than 64 characters`},
		{"a json.Number", `{"nums":[1,` + num(strictjson.MaxNumber) + `]}`, `{"nums":[1,` + num(strictjson.MaxNumber+1) + `]}`,
			`field "nums[1]": a number is longer than 64 characters`},
		{"a number inside raw JSON", `{"raw":{"a":[` + num(strictjson.MaxNumber) + `]}}`, `{"raw":{"a":[-` + num(strictjson.MaxNumber) + `]}}`,
			`field "raw.a[0]": a number is longer than 64 characters`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := strictjson.Decode([]byte(tc.ok), new(doc), "doc"); err != nil {
				t.Fatalf("at the bound: %v", err)
			}
			err := strictjson.Decode([]byte(tc.refused), new(doc), "doc")
			wantErr(t, err, "doc: "+tc.want)
			if len(err.Error()) > 200 {
				t.Errorf("error echoes the document: %.300s", err)
			}
		})
	}
}

// TestDecodeRefusesInvalidUTF8 is the regression test for a parser
// differential: encoding/json replaces invalid UTF-8 in strings with U+FFFD,
// so two documents that differ in their bytes decoded to the same value.
func TestDecodeRefusesInvalidUTF8(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"a string field", "{\"s\":\"ab\xffcd\"}", `doc: field "s": a string is not valid UTF-8`},
		{"a truncated sequence", "{\"s\":\"ab\xe2\x82\"}", `doc: field "s": a string is not valid UTF-8`},
		{"an encoded surrogate", "{\"s\":\"\xed\xa0\x80\"}", `doc: field "s": a string is not valid UTF-8`},
		{"an overlong encoding", "{\"s\":\"\xc0\xaf\"}", `doc: field "s": a string is not valid UTF-8`},
		{"inside raw JSON", "{\"raw\":{\"a\":[\"ok\",\"\xff\"]}}", `doc: field "raw.a[1]": a string is not valid UTF-8`},
		{"a key inside raw JSON", "{\"raw\":{\"a\xff\":1}}", `doc: field "raw": a key is not valid UTF-8`},
		{"an unknown key", "{\"s\xff\":1}", `doc: a key is not valid UTF-8`},
		{"the document itself", "\"\xff\"", `doc: a string is not valid UTF-8`},
		{"outside a string", "{\"s\":\"x\"}\xff", `doc: unexpected data after the JSON value`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v struct {
				S   string          `json:"s"`
				Raw json.RawMessage `json:"raw"`
			}
			err := strictjson.Decode([]byte(tc.doc), &v, "doc")
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	// Valid multi-byte text and escapes (even of a lone surrogate, which
	// the JSON grammar allows) are not affected.
	var v struct {
		S string `json:"s"`
	}
	if err := strictjson.Decode([]byte(`{"s":"é€😀 \u00e9"}`), &v, "doc"); err != nil || v.S != "é€😀 é" {
		t.Fatalf("decoded %q, %v", v.S, err)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "doc.json")
	if err := os.WriteFile(path, []byte(`{"a":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := strictjson.ReadFile(path, 7); err != nil || string(data) != `{"a":1}` {
		t.Fatalf("at the limit: %q, %v", data, err)
	}
	_, err := strictjson.ReadFile(path, 6)
	wantErr(t, err, path+": file larger than 6 bytes")
	if _, err := strictjson.ReadFile(filepath.Join(dir, "missing"), 6); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}
