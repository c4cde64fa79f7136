package strictjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The bounds on a document Decode accepts. Each is far above what any
// legitimate document needs (a credential has at most 60 months, a
// registry sets of up to 64 issuers, a proof is a few hundred bytes of hex)
// and low enough that the work and memory of a decode stay proportional to
// the document's size, whatever its shape.
const (
	// MaxDepth is how deeply arrays and objects may nest; the document
	// itself is level 1.
	MaxDepth = 64
	// MaxKeys is how many keys one object may have.
	MaxKeys = 1024
	// MaxElements is how many elements one array may have.
	MaxElements = 4096
	// MaxString is how many bytes one string (a key or a value) may have
	// once decoded.
	MaxString = 1 << 20
	// MaxNumber is how many characters one number may have; longer ones
	// are refused before anything parses them.
	MaxNumber = 64
)

// Decode decodes exactly one JSON value from data into v, which must be a
// pointer, so that a document has a single accepted reading. Before
// encoding/json sees the document, a walk guided by v's type refuses what
// encoding/json would let through: a key that matches a field only up to
// case (encoding/json folds case, so "PeriodStart" would set periodStart
// and {"periodStart":..,"PERIODSTART":..} would pass as two keys), a
// duplicate key at any depth, an unknown field, a value of the wrong JSON
// type, an integer not written in its one decimal form, a missing key or
// JSON null for a field that is not a pointer, slice, map or interface,
// arrays and objects nested deeper than MaxDepth, objects with more than
// MaxKeys keys, arrays with more than MaxElements elements, strings longer
// than MaxString bytes, numbers longer than MaxNumber characters, and
// invalid UTF-8 anywhere (which encoding/json would silently replace), all
// inside json.RawMessage and interface values too. Trailing data is
// refused too. Errors name the
// field by its path ("months[2].amount"); what names the document
// ("records", "credential", ...).
func Decode(data []byte, v any, what string) error {
	if err := decode(data, v, ""); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// DecodeAt is Decode for a value found at path inside a larger document
// ("public.window", "params"): errors name fields by their full path, with
// no document prefix.
func DecodeAt(data []byte, v any, path string) error { return decode(data, v, path) }

func decode(data []byte, v any, path string) error {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return fmt.Errorf("decoding needs a pointer, not %v", t)
	}
	w := &walker{dec: json.NewDecoder(bytes.NewReader(data)), badUTF8: invalidUTF8(data)}
	if path != "" {
		w.path = []segment{{key: path}}
	}
	w.dec.UseNumber()
	if err := w.checkValue(t.Elem()); err != nil {
		return err
	}
	if _, err := w.token(false); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON value")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		err = describeJSONError(err)
		var fe *FieldError
		if path != "" && errors.As(err, &fe) {
			return &FieldError{Field: path + "." + fe.Field, Err: fe.Err}
		}
		return err
	}
	return nil
}

func describeJSONError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			field = "document"
		}
		// Value reads "number 1.5" for numbers: keep only the JSON kind, so
		// that a refused value is never echoed back.
		kind, _, _ := strings.Cut(typeErr.Value, " ")
		return fmt.Errorf("field %q: expected %s, got JSON %s", field, typeErr.Type, kind)
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		return fmt.Errorf("unknown field %s", strings.TrimPrefix(msg, "json: unknown field "))
	}
	var fieldErr *FieldError
	if errors.As(err, &fieldErr) {
		return fieldErr
	}
	return err
}

// FieldError names the JSON field whose value was refused.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("field %q: %v", e.Field, e.Err) }
func (e *FieldError) Unwrap() error { return e.Err }

// walker checks a document token by token. path holds the segments of the
// field being checked; it is formatted only when an error names the field,
// so that the walk allocates nothing per level of nesting.
type walker struct {
	dec     *json.Decoder
	path    []segment
	depth   int // arrays and objects open around the current token
	badUTF8 int // offset of the document's first invalid UTF-8 byte, or -1
}

// invalidUTF8 returns the offset of data's first byte that is not part of
// valid UTF-8, or -1.
func invalidUTF8(data []byte) int {
	if utf8.Valid(data) {
		return -1
	}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

// token reads the next token. encoding/json replaces invalid UTF-8 in a
// string with U+FFFD, so a string that spans the document's first invalid
// byte is refused here, before its replacement could be taken for the
// sender's text. Strings and numbers longer than their bound are refused
// too; key says the token is an object key, named by its object's path.
// Syntax errors come back as malformed JSON, wrapping encoding/json's error
// (io.EOF at the end of the document).
func (w *walker) token(key bool) (json.Token, error) {
	before := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return tok, fmt.Errorf("malformed JSON: %w", err)
	}
	what := "string"
	if key {
		what = "key"
	}
	switch v := tok.(type) {
	case string:
		if w.badUTF8 >= 0 && int64(w.badUTF8) >= before && int64(w.badUTF8) < w.dec.InputOffset() {
			return nil, w.errAt("a %s is not valid UTF-8", what)
		}
		if len(v) > MaxString {
			return nil, w.errAt("a %s is longer than %d bytes", what, MaxString)
		}
	case json.Number:
		if len(v) > MaxNumber {
			return nil, w.errAt("a number is longer than %d characters", MaxNumber)
		}
	}
	return tok, nil
}

// segment is one step of a field's path: an object key, or an array index
// when isIndex.
type segment struct {
	key     string
	index   int
	isIndex bool
}

// pathString formats the current path: keys joined by ".", indexes as
// "[i]" ("months[2].amount"), "" for the document itself.
func (w *walker) pathString() string {
	var b strings.Builder
	for _, s := range w.path {
		if s.isIndex {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
	}
	return b.String()
}

// errAt returns a FieldError for the current path, or a plain error for the
// document itself.
func (w *walker) errAt(format string, args ...any) error {
	path := w.pathString()
	if path == "" {
		return fmt.Errorf(format, args...)
	}
	return &FieldError{Field: path, Err: fmt.Errorf(format, args...)}
}

// enter opens one level of nesting, refusing more than MaxDepth.
func (w *walker) enter() error {
	w.depth++
	if w.depth > MaxDepth {
		return fmt.Errorf("nesting deeper than %d levels", MaxDepth)
	}
	return nil
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonNumber      = reflect.TypeFor[json.Number]()
)

// checkValue reads one JSON value and checks it against t. A nil t, an
// interface or a type that decodes itself gets only the duplicate-key and
// depth checks.
func (w *walker) checkValue(t reflect.Type) error {
	tok, err := w.token(false)
	if err != nil {
		return err
	}
	for t != nil && !decodesItself(t) {
		if tok == nil && !nullable(t) {
			return w.typeErr(t, tok)
		}
		if tok == nil || t.Kind() != reflect.Pointer {
			break
		}
		t = t.Elem()
	}
	if tok == nil || t == nil || decodesItself(t) || t.Kind() == reflect.Interface {
		switch tok {
		case json.Delim('{'):
			return w.checkObject(nil)
		case json.Delim('['):
			return w.checkArray(nil)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		if tok != json.Delim('{') {
			return w.typeErr(t, tok)
		}
		return w.checkObject(t)
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return w.expectString(tok, t) // base64
		}
		if tok != json.Delim('[') {
			return w.typeErr(t, tok)
		}
		return w.checkArray(t.Elem())
	case reflect.String:
		if t == jsonNumber {
			return w.expectNumber(tok, t, nil)
		}
		return w.expectString(tok, t)
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return w.typeErr(t, tok)
		}
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return w.expectNumber(tok, t, func(s string) bool {
			n, err := strconv.ParseInt(s, 10, t.Bits())
			return err == nil && strconv.FormatInt(n, 10) == s
		})
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return w.expectNumber(tok, t, func(s string) bool {
			n, err := strconv.ParseUint(s, 10, t.Bits())
			return err == nil && strconv.FormatUint(n, 10) == s
		})
	case reflect.Float32, reflect.Float64:
		return w.expectNumber(tok, t, nil)
	}
	return w.typeErr(t, tok)
}

func (w *walker) expectString(tok json.Token, t reflect.Type) error {
	if _, ok := tok.(string); !ok {
		return w.typeErr(t, tok)
	}
	return nil
}

// expectNumber checks that tok is a number whose text satisfies ok (if set).
func (w *walker) expectNumber(tok json.Token, t reflect.Type, ok func(string) bool) error {
	n, isNum := tok.(json.Number)
	if !isNum || ok != nil && !ok(string(n)) {
		return w.typeErr(t, tok)
	}
	return nil
}

// checkObject checks the rest of an object against t: a struct (only its
// fields' exact names, and every required field present), a map, or nil
// (anything). No key may repeat.
func (w *walker) checkObject(t reflect.Type) error {
	if err := w.enter(); err != nil {
		return err
	}
	var fields []jsonField
	if t != nil && t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	seen := map[string]bool{}
	for w.dec.More() {
		if len(seen) == MaxKeys {
			return w.errAt("an object has more than %d keys", MaxKeys)
		}
		key, err := w.objectKey()
		if err != nil {
			return err
		}
		w.path = append(w.path, segment{key: key})
		if seen[key] {
			return fmt.Errorf("field %q appears twice", w.pathString())
		}
		seen[key] = true
		var elem reflect.Type
		switch {
		case t == nil:
		case t.Kind() == reflect.Map:
			elem = t.Elem()
		default:
			f, ok := fieldNamed(fields, key)
			if !ok {
				return fmt.Errorf("unknown field %q", w.pathString())
			}
			elem = f.typ
		}
		if err := w.checkValue(elem); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
	}
	if err := w.closeDelim(); err != nil {
		return err
	}
	for _, f := range fields {
		if f.required && !seen[f.name] {
			w.path = append(w.path, segment{key: f.name})
			return w.errAt("missing")
		}
	}
	return nil
}

// checkArray checks the rest of an array whose elements are of type elem
// (nil: anything).
func (w *walker) checkArray(elem reflect.Type) error {
	if err := w.enter(); err != nil {
		return err
	}
	for i := 0; w.dec.More(); i++ {
		if i == MaxElements {
			return w.errAt("an array has more than %d elements", MaxElements)
		}
		w.path = append(w.path, segment{index: i, isIndex: true})
		if err := w.checkValue(elem); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
	}
	return w.closeDelim()
}

func (w *walker) objectKey() (string, error) {
	tok, err := w.token(true)
	if err != nil {
		return "", err
	}
	key, _ := tok.(string)
	return key, nil
}

// closeDelim reads the closing delimiter of an array or object and leaves
// its level of nesting.
func (w *walker) closeDelim() error {
	if _, err := w.token(false); err != nil {
		return err
	}
	w.depth--
	return nil
}

type jsonField struct {
	name     string
	typ      reflect.Type // nil: checked only for duplicate keys
	required bool
}

// jsonFields lists the keys encoding/json reads into struct type t, with
// embedded structs flattened. A field is required unless it is nullable or
// tagged omitempty.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for _, ef := range jsonFields(et) {
					ef.required = ef.required && f.Type.Kind() != reflect.Pointer
					out = append(out, ef)
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		jf := jsonField{name: name, typ: f.Type, required: !nullable(f.Type)}
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "omitempty", "omitzero":
				jf.required = false
			case "string":
				jf.typ = nil
			}
		}
		out = append(out, jf)
	}
	return out
}

func fieldNamed(fields []jsonField, key string) (jsonField, bool) {
	for _, f := range fields {
		if f.name == key {
			return f, true
		}
	}
	return jsonField{}, false
}

func nullable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return true
	}
	return false
}

func decodesItself(t reflect.Type) bool {
	for _, u := range []reflect.Type{jsonUnmarshaler, textUnmarshaler} {
		if t.Implements(u) || reflect.PointerTo(t).Implements(u) {
			return true
		}
	}
	return false
}

func (w *walker) typeErr(t reflect.Type, tok json.Token) error {
	return w.errAt("expected %s, got JSON %s", describeType(t), describeToken(tok))
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.String:
		if t == jsonNumber {
			return "a number"
		}
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fmt.Sprintf("an integer that fits %s, in plain decimal", t.Kind())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fmt.Sprintf("a non-negative integer that fits %s, in plain decimal", t.Kind())
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return t.String()
}

// describeToken names tok's JSON kind only, so that a refused value (an
// amount, say) is never echoed back.
func describeToken(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case json.Delim:
		if v == '{' {
			return "object"
		}
		return "array"
	}
	return fmt.Sprint(tok)
}

// ReadFile reads the document at path, refusing a file larger than max
// bytes before reading more than max+1 of them. Errors from opening the
// file are returned as os.Open returns them (errors.Is(err,
// fs.ErrNotExist) holds for a missing file).
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: file larger than %d bytes", path, max)
	}
	return data, nil
}
