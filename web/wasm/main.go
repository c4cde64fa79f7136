//go:build js && wasm

package main

import (
	"context"
	"crypto/rand"
	"errors"
	"syscall/js"

	"github.com/consensys/gnark/logger"

	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/web/wallet"
)

// session is what one page has loaded: the request, and the inputs once
// the business gives them. The worker serves one page.
var session struct {
	request *wallet.Request
	req     statement.Request
	in      *statement.Inputs
	names   []string
}

func main() {
	logger.Disable()
	api := js.Global().Get("Object").New()
	for name, f := range map[string]func(args []js.Value) any{
		"load":      load,
		"setInputs": setInputs,
		"check":     check,
		"prove":     prove,
		"newHolder": newHolder,
	} {
		api.Set(name, js.FuncOf(func(_ js.Value, args []js.Value) any { return f(args) }))
	}
	js.Global().Set("tacit", api)
	select {}
}

func fail(err error) any { return map[string]any{"error": err.Error()} }

// load(requestJSON) reads the presentation request.
func load(args []js.Value) any {
	r, req, err := wallet.ParseRequest([]byte(args[0].String()))
	if err != nil {
		return fail(err)
	}
	session.request, session.req, session.in = r, req, nil
	return map[string]any{"statement": req.Statement().ID(), "credentials": req.Credentials(), "sentence": req.Sentence()}
}

// setInputs(credentials: string[], names: string[], holder: string) reads
// the business's files and runs the statement's native check.
func setInputs(args []js.Value) any {
	if session.request == nil {
		return fail(errors.New("wallet: no request is loaded"))
	}
	creds := make([][]byte, args[0].Length())
	names := make([]string, len(creds))
	for i := range creds {
		creds[i] = []byte(args[0].Index(i).String())
		names[i] = args[1].Index(i).String()
	}
	in, err := wallet.Inputs(creds, []byte(args[2].String()))
	if err != nil {
		return fail(err)
	}
	session.in, session.names = nil, names
	if err := wallet.Precheck(session.request, session.req, in); err != nil {
		return refusal(err)
	}
	session.in = &in
	return map[string]any{"ok": true}
}

// refusal turns an unmet rule into words for the business.
func refusal(err error) any {
	var u *statement.Unsatisfied
	if errors.As(err, &u) {
		detail := u.Detail(func(i int) string {
			if i < len(session.names) {
				return session.names[i]
			}
			return ""
		})
		return map[string]any{"refusal": u.Message, "detail": detail, "code": u.Code}
	}
	if errors.Is(err, statement.ErrUnsatisfied) {
		return map[string]any{"refusal": "your credentials do not satisfy " + session.req.Sentence(), "code": statement.CodeUnsatisfied}
	}
	return fail(err)
}

// check(which, bytes) checks a downloaded artefact ("provingKey" or
// "constraintSystem") against the request's fingerprint.
func check(args []js.Value) any {
	if session.request == nil {
		return fail(errors.New("wallet: no request is loaded"))
	}
	a := session.request.Circuit.ProvingKey
	if args[0].String() == "constraintSystem" {
		a = session.request.Circuit.ConstraintSystem
	}
	if err := wallet.CheckArtefact(a, bytesOf(args[1])); err != nil {
		return fail(err)
	}
	return map[string]any{"ok": true}
}

// prove(ccs, pk) proves; it returns a Promise of {attestation} or a
// refusal or an error.
func prove(args []js.Value) any {
	ccs, pk := bytesOf(args[0]), bytesOf(args[1])
	return promise(func() any {
		if session.in == nil {
			return fail(errors.New("wallet: add your credentials and secret first"))
		}
		k, err := session.request.LoadKeys(ccs, pk)
		if err != nil {
			return fail(err)
		}
		att, err := wallet.Prove(context.Background(), session.request, session.req, k, *session.in)
		if err != nil {
			return refusal(err)
		}
		return map[string]any{"attestation": string(att)}
	})
}

// newHolder() draws a new holder secret: {file, subject}.
func newHolder([]js.Value) any {
	file, subject, err := wallet.NewHolder(rand.Reader)
	if err != nil {
		return fail(err)
	}
	return map[string]any{"file": string(file), "subject": subject}
}

func bytesOf(v js.Value) []byte {
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

// promise runs f in a goroutine and returns a Promise of its answer.
func promise(f func() any) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve := args[0]
		go func() {
			defer executor.Release()
			resolve.Invoke(f())
		}()
		return nil
	})
	return js.Global().Get("Promise").New(executor)
}
