package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/tacit-zk/tacit/server"
)

// The contract: openapi.yaml, loaded and validated once per test binary.
var contractDoc = sync.OnceValues(func() (*contractSpec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(server.OpenAPI)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &contractSpec{doc: doc, router: router}, nil
})

type contractSpec struct {
	doc    *openapi3.T
	router routers.Router
}

// contract checks the requests a test sends and the responses it gets
// against openapi.yaml, and fails the test on any difference.
type contract struct {
	t    testing.TB
	spec *contractSpec
}

func newContract(t testing.TB) *contract {
	t.Helper()
	spec, err := contractDoc()
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	return &contract{t: t, spec: spec}
}

// sentRequest is a request as it was sent: its body is read once here and
// put back, so that the server reads the same bytes.
type sentRequest struct {
	req  *http.Request
	body []byte
}

func (c *contract) capture(req *http.Request) sentRequest {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			panic(err)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	return sentRequest{req: req, body: body}
}

// acceptKeys lets every request through the contract's security check:
// the server checks keys, and the tests check the server.
func acceptKeys(context.Context, *openapi3filter.AuthenticationInput) error { return nil }

// check validates a request (if checkRequest) and its response. A request
// the contract has no operation for must have been answered 404 or 405.
func (c *contract) check(sent sentRequest, checkRequest bool, rec *httptest.ResponseRecorder) {
	c.t.Helper()
	if err := c.validate(sent, checkRequest, rec); err != nil {
		c.t.Errorf("contract: %s %s -> %d: %s\nresponse: %.400s", sent.req.Method, sent.req.URL.RequestURI(), rec.Code, brief(err), rec.Body.Bytes())
	}
}

func (c *contract) validate(sent sentRequest, checkRequest bool, rec *httptest.ResponseRecorder) error {
	// A copy to route and validate, with the body as sent.
	req := sent.req.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(sent.body))
	route, params, err := c.spec.router.FindRoute(req)
	if err != nil {
		return c.unrouted(err, rec)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: acceptKeys},
	}
	if checkRequest {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			return fmt.Errorf("request: %w", err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("response: %w", err)
	}
	return nil
}

// unrouted checks the answer to a request for no documented operation.
func (c *contract) unrouted(err error, rec *httptest.ResponseRecorder) error {
	var schema string
	switch {
	case errors.Is(err, routers.ErrPathNotFound) && rec.Code == http.StatusNotFound:
		schema = "NotFoundError"
	case errors.Is(err, routers.ErrMethodNotAllowed) && rec.Code == http.StatusMethodNotAllowed:
		schema = "MethodNotAllowedError"
	case errors.Is(err, routers.ErrMethodNotAllowed) && rec.Code == http.StatusNotFound:
		schema = "NotFoundError" // e.g. GET /v1/issuers/{key}: not routed, so not found
	default:
		return fmt.Errorf("no operation in openapi.yaml (%v), and the server answered %d", err, rec.Code)
	}
	var body any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		return fmt.Errorf("response: %w", err)
	}
	if err := c.spec.doc.Components.Schemas[schema].Value.VisitJSON(body); err != nil {
		return fmt.Errorf("response: %s: %w", schema, err)
	}
	return nil
}

// invalidRequests sends requests the contract refuses (malformed JSON,
// unknown fields, wrong types, hostile input) to test the server's
// answers; those answers are still checked against the contract.
type invalidRequests struct{ s *service }

func (s *service) invalid() invalidRequests { return invalidRequests{s} }

func (v invalidRequests) call(who, method, path string, body any, header ...string) reply {
	return v.s.send(false, who, method, path, body, header...)
}

// brief is a validation error without the schema kin-openapi prints with
// it: the failing value's path and the reason, for each failure.
func brief(err error) string {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var out []string
		for _, e := range me {
			out = append(out, brief(e))
		}
		return strings.Join(out, "; ")
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s at /%s", se.Reason, strings.Join(se.JSONPointer(), "/"))
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		if re.Err != nil {
			return "request: " + re.Reason + ": " + brief(re.Err)
		}
		return "request: " + re.Error()
	}
	var rse *openapi3filter.ResponseError
	if errors.As(err, &rse) {
		if rse.Err != nil {
			return "response: " + rse.Reason + ": " + brief(rse.Err)
		}
		return "response: " + rse.Error()
	}
	if s := err.Error(); len(s) > 300 {
		return s[:300] + "..."
	}
	return err.Error()
}

// TestContractCatchesDrift: the contract check refuses what the document
// does not allow, so that a handler test that passes keeps the contract.
func TestContractCatchesDrift(t *testing.T) {
	t.Parallel()
	c := newContract(t)
	const ch = `{"id":"AAAAAAAAAAAAAAAAAAAAAA","nonce":"` + hexOne + `","lender":"bank-a","statement":"no-default","params":{"window":24,"asOf":"2026-11","severity":"default"},"expiresAt":"2026-11-23T12:30:00Z","requestUri":"http://127.0.0.1:8080/v1/requests/AAAAAAAAAAAAAAAAAAAAAA","presentationUrl":"http://127.0.0.1:8080/present/AAAAAAAAAAAAAAAAAAAAAA"}`
	for _, tt := range []struct {
		name         string
		method, path string
		body         string
		status       int
		reply        string
		ok           bool
	}{
		{"a documented exchange", "POST", "/v1/challenges", `{"statement":"no-default","params":{"window":24}}`, 201, ch, true},
		{"a policy challenge", "POST", "/v1/challenges", `{"policy":{},"asOf":"2026-11"}`, 201, ch, true},
		{"statement and policy at once", "POST", "/v1/challenges", `{"statement":"no-default","params":{"window":24},"policy":{}}`, 201, ch, false},
		{"window 61", "POST", "/v1/challenges", `{"statement":"no-default","params":{"window":61}}`, 201, ch, false},
		{"month 13", "POST", "/v1/challenges", `{"statement":"no-default","params":{"window":24,"asOf":"2026-13"}}`, 201, ch, false},
		{"an unknown request field", "POST", "/v1/challenges", `{"statement":"no-default","params":{"window":24},"x":1}`, 201, ch, false},
		{"an undocumented status", "POST", "/v1/challenges", `{"statement":"no-default","params":{"window":24}}`, 418, `{"error":{"code":"teapot","message":"m"}}`, false},
		{"an undocumented error code", "POST", "/v1/proofs", `{"challengeId":"x","credentials":[` + credentialFixture + `],"holderSecret":"` + hexOne + `"}`, 422, `{"error":{"code":"nope","message":"m"}}`, false},
		{"an unknown response field", "POST", "/v1/challenges", `{"statement":"no-default","params":{"window":24}}`, 201, ch[:len(ch)-1] + `,"extra":1}`, false},
		{"429 without Retry-After", "GET", "/v1/circuits", ``, 429, `{"error":{"code":"rate_limited","message":"m"}}`, false},
		{"an unrouted path answered 200", "GET", "/nowhere", ``, 200, `{}`, false},
		{"an unrouted path answered 404", "GET", "/nowhere", ``, 404, `{"error":{"code":"not_found","message":"m"}}`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := httptest.NewRecorder()
			if tt.reply != "" {
				rec.Header().Set("Content-Type", "application/json")
			}
			rec.WriteHeader(tt.status)
			rec.WriteString(tt.reply)
			err := c.validate(c.capture(req), true, rec)
			if tt.ok && err != nil {
				t.Fatalf("refused: %s", brief(err))
			}
			if !tt.ok && err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

const hexOne = "0000000000000000000000000000000000000000000000000000000000000001"

// credentialFixture has the shape of a credential file.
const credentialFixture = `{"kind":"payment-history","version":1,"issuer":"` + hexOne + `","subject":"` + hexOne + `","issuedAt":"2026-11-02","expiresAt":"2027-06-01","periodStart":"2024-11","months":[{"status":"paid","amount":1}],"signature":"00"}`
