package credential_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/tacit-zk/tacit/credential"
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

// TestDecodeStrictRefusesCaseFoldedKeys is the regression test for a
// parser differential: encoding/json matches keys case-insensitively (with
// Unicode folding, so "ſ" matches "s"), which let {"s":..,"S":..} through
// the duplicate check and let the second key win, and accepted "S" alone as
// a second spelling of "s".
func TestDecodeStrictRefusesCaseFoldedKeys(t *testing.T) {
	for _, doc := range []string{
		`{"s":"a","S":"b"}`,
		`{"S":"b"}`,
		`{"ſ":"b"}`,
		`{"inner":{"N":1}}`,
		`{"list":[{"n":1},{"N":1}]}`,
		`{"E":"x"}`,
	} {
		var v strictDoc
		wantErr(t, credential.DecodeStrict([]byte(doc), &v, "doc"), "doc: unknown field")
	}
}

func TestDecodeStrict(t *testing.T) {
	var v strictDoc
	if err := credential.DecodeStrict([]byte(strictValid), &v, "doc"); err != nil {
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
			wantErr(t, credential.DecodeStrict([]byte(tc.doc), &v, "doc"), "doc: ", tc.want)
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
			if err := credential.DecodeStrict([]byte(tc.doc), &v, "doc"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDecodeStrictNamesFields(t *testing.T) {
	var v strictDoc
	err := credential.DecodeStrict([]byte(`{"list":[{"n":1},{"n":-1}]}`), &v, "doc")
	var fe *credential.FieldError
	if !errors.As(err, &fe) || fe.Field != "list[1].n" {
		t.Fatalf("error %v is not a FieldError for list[1].n", err)
	}
	if err := credential.DecodeStrict([]byte(`{}`), v, "doc"); err == nil {
		t.Fatal("decoded into a non-pointer")
	}
}
