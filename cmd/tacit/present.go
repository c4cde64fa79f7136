package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/atomicfile"
	"github.com/tacit-zk/tacit/internal/strictjson"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/web/wallet"
)

func init() {
	register("present", "answer a lender's request: fetch it, prove on this machine, send the attestation (business)", present)
}

// Bounds on what present fetches.
const (
	maxReplyBody    = 1 << 20 // the service's answer to the response
	maxArtefactSize = 1 << 30 // a proving key or constraint system
	requestTimeout  = 30 * time.Second
	artefactTimeout = 10 * time.Minute
)

// presentResult is present's --json result.
type presentResult struct {
	OK           bool            `json:"ok"`
	Request      string          `json:"request"`
	Lender       string          `json:"lender"`
	Statement    string          `json:"statement"`
	Sentence     string          `json:"sentence"`
	Verification json.RawMessage `json:"verification"`
}

// serviceError is the service's refusal: its stable code and constant
// message, which name checks and public values only.
type serviceError struct {
	code, message string
}

func (e *serviceError) Error() string { return e.message + " (" + e.code + ")" }

// Code is the refusal's code, for --json.
func (e *serviceError) Code() string { return e.code }

func present(e *env, args []string) error {
	fs := e.flags("present")
	requestURL := fs.String("request", "", "the request's URL (the challenge's requestUri)")
	var credPaths multiFlag
	fs.Var(&credPaths, "credential", "credential file; repeat for each credential the request asks for")
	holderPath := fs.String("holder", "", "holder secret file")
	keyDir := fs.String("keys", "", "a key directory to prove with, whose fingerprints must match the request's (default: fetch the keys and cache them by fingerprint)")
	asJSON := fs.Bool("json", false, "print the result as JSON (a refusal too, with exit status 1)")
	if err := parse(fs, args, "request", "credential", "holder"); err != nil {
		return e.jsonResult(*asJSON, err)
	}
	return e.jsonResult(*asJSON, presentWith(e, *requestURL, credPaths, *holderPath, *keyDir, *asJSON))
}

func presentWith(e *env, requestURL string, credPaths []string, holderPath, keyDir string, asJSON bool) error {
	u, err := url.Parse(requestURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--request: must be an absolute http or https URL")
	}
	creds := make([]*credential.Credential, len(credPaths))
	for i, path := range credPaths {
		if creds[i], err = e.readCredential(path); err != nil {
			return err
		}
	}
	holder, err := readHolder(holderPath)
	if err != nil {
		return err
	}
	ctx := context.Background()
	client := &http.Client{Timeout: requestTimeout}
	req, r, err := fetchRequest(ctx, client, requestURL)
	if err != nil {
		return err
	}
	trust, err := req.Trust()
	if err != nil {
		return err
	}
	if err := r.Check(trust); err != nil {
		return err
	}
	if len(creds) != r.Credentials() {
		return usagef("--credential: the request asks for %d credential(s), got %d", r.Credentials(), len(creds))
	}
	if keyDir == "" {
		if keyDir, err = fetchKeys(ctx, req); err != nil {
			return err
		}
	} else if err := matchKeys(keyDir, req); err != nil {
		return err
	}
	att, err := prover.New(keyDir).Prove(ctx, prover.Task{
		Request: r, Lender: req.Lender, Nonce: req.Nonce, Trust: trust,
		Inputs: statement.Inputs{Credentials: creds, Holder: holder},
	})
	var unsat *statement.Unsatisfied
	if errors.As(err, &unsat) {
		if detail := unsat.Detail(func(i int) string { return "--credential " + credPaths[i] }); detail != "" {
			return fmt.Errorf("%w (%s); nothing was sent", err, detail)
		}
		return fmt.Errorf("%w; nothing was sent", err)
	}
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{"attestation": att})
	if err != nil {
		return err
	}
	verification, err := postResponse(ctx, client, req.ResponseURI, body)
	if err != nil {
		return err
	}
	if asJSON {
		return e.printJSON(presentResult{OK: true, Request: req.ID, Lender: req.Lender, Statement: att.Statement, Sentence: req.Sentence, Verification: verification})
	}
	fmt.Fprintf(e.stdout, "verified by %s for %s: %s (%s)\n", u.Host, req.Lender, req.Sentence, att.Statement)
	return nil
}

// fetchRequest reads the request at u, bounded in size and time, and
// parses it as the business page does (wallet.ParseRequest). A request
// that can no longer be answered is a clear error.
func fetchRequest(ctx context.Context, client *http.Client, u string) (*wallet.Request, statement.Request, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	hr.Header.Set("Accept", "application/json")
	resp, err := client.Do(hr)
	if err != nil {
		return nil, nil, fmt.Errorf("fetching the request: %w", err)
	}
	defer resp.Body.Close()
	data, err := readBounded(resp.Body, wallet.MaxRequestSize)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the request: %w", err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, nil, &serviceError{"not_found", "no such request: check the link the lender gave you"}
	case http.StatusGone:
		return nil, nil, &serviceError{"challenge_expired", "the request has expired: ask the lender for a new one"}
	case http.StatusConflict:
		return nil, nil, &serviceError{"challenge_used", "the request has already been answered: ask the lender for a new one if you need to answer again"}
	default:
		return nil, nil, replyError("the request", resp.StatusCode, data)
	}
	return wallet.ParseRequest(data)
}

// fetchKeys returns a key directory with the request's proving key and
// constraint system, fetched into the user cache directory once per
// fingerprint. Every file is checked against the request's sha256 before
// it is kept; a mismatch is refused before any proving.
func fetchKeys(ctx context.Context, req *wallet.Request) (string, error) {
	c := req.Circuit
	for _, ref := range []wallet.Artefact{c.ProvingKey, c.ConstraintSystem} {
		if !validSHA256(ref.SHA256) || ref.Size <= 0 || ref.Size > maxArtefactSize {
			return "", errors.New("the request names no usable key fingerprint or size; refusing to prove")
		}
	}
	if !validSHA256(c.VerifyingKeySHA256) {
		return "", errors.New("the request names no verifying key fingerprint; refusing to prove")
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the keys (%w): pass --keys DIR", err)
	}
	sum := sha256.Sum256([]byte(c.ID + "\x00" + c.ProvingKey.SHA256 + "\x00" + c.ConstraintSystem.SHA256 + "\x00" + c.VerifyingKeySHA256))
	dir := filepath.Join(base, "tacit", "keys", hex.EncodeToString(sum[:16]))
	folder := filepath.Join(dir, keys.Folder(c.ID))
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return "", err
	}
	client := &http.Client{Timeout: artefactTimeout}
	for name, ref := range map[string]wallet.Artefact{keys.ProvingFile: c.ProvingKey, keys.CircuitFile: c.ConstraintSystem} {
		if err := fetchArtefact(ctx, client, ref, filepath.Join(folder, name)); err != nil {
			return "", err
		}
	}
	m := keys.Manifest{Circuit: c.ID, Constraints: c.Constraints, Files: map[string]string{
		keys.ProvingFile: c.ProvingKey.SHA256, keys.CircuitFile: c.ConstraintSystem.SHA256, keys.VerifyingFile: c.VerifyingKeySHA256,
	}}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", err
	}
	return dir, atomicfile.Write(filepath.Join(folder, keys.ManifestFile), append(data, '\n'), 0o644)
}

// fetchArtefact makes path hold the artefact ref names: kept if it is
// already there with the right sha256, else fetched, checked and then
// renamed into place.
func fetchArtefact(ctx context.Context, client *http.Client, ref wallet.Artefact, path string) error {
	if f, err := os.Open(path); err == nil {
		h := sha256.New()
		_, err := io.Copy(h, io.LimitReader(f, maxArtefactSize+1))
		f.Close()
		if err == nil && hex.EncodeToString(h.Sum(nil)) == ref.SHA256 {
			return nil
		}
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, ref.URL, nil)
	if err != nil {
		return fmt.Errorf("the request's key URL: %w", err)
	}
	resp, err := client.Do(hr)
	if err != nil {
		return fmt.Errorf("fetching %s: %w", ref.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := readBounded(resp.Body, maxReplyBody)
		return replyError(ref.URL, resp.StatusCode, data)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".fetch-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(resp.Body, ref.Size+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fetching %s: %w", ref.URL, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != ref.Size || got != ref.SHA256 {
		return fmt.Errorf("%w: %s sent %d bytes with sha256 %s, the request says %d bytes with sha256 %s; refusing to prove with it", keys.ErrFingerprint, ref.URL, n, got, ref.Size, ref.SHA256)
	}
	return os.Rename(tmp.Name(), path)
}

// matchKeys checks that a local key directory holds the keys the request
// names; the prover checks the files against the manifest when it loads them.
func matchKeys(dir string, req *wallet.Request) error {
	m, err := keys.ReadManifest(dir, req.Circuit.ID)
	if err != nil {
		return err
	}
	for name, want := range map[string]string{
		keys.ProvingFile: req.Circuit.ProvingKey.SHA256, keys.CircuitFile: req.Circuit.ConstraintSystem.SHA256,
		keys.VerifyingFile: req.Circuit.VerifyingKeySHA256,
	} {
		if m.Files[name] != want {
			return fmt.Errorf("%w: --keys %s has %s %s with sha256 %s, the request says %s; refusing to prove with it", keys.ErrFingerprint, dir, req.Circuit.ID, name, m.Files[name], want)
		}
	}
	return nil
}

// postResponse sends the attestation to the response URI and returns the
// verification, or the service's refusal.
func postResponse(ctx context.Context, client *http.Client, uri string, body []byte) (json.RawMessage, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("the request's response URI: %w", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("sending the attestation: %w", err)
	}
	defer resp.Body.Close()
	data, err := readBounded(resp.Body, maxReplyBody)
	if err != nil {
		return nil, fmt.Errorf("reading the verdict: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, replyError("the response", resp.StatusCode, data)
	}
	if !json.Valid(data) {
		return nil, errors.New("the service's verdict is not JSON")
	}
	return data, nil
}

// replyError is the service's error reply: its code and message when it
// sent tacit's error shape, else the HTTP status.
func replyError(what string, status int, data []byte) error {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if strictjson.Decode(data, &e, "reply") == nil && e.Error.Code != "" {
		return &serviceError{e.Error.Code, what + " was refused: " + e.Error.Message}
	}
	return fmt.Errorf("%s: the service answered %d %s", what, status, http.StatusText(status))
}

// readBounded reads r, refusing more than max bytes.
func readBounded(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("over %d bytes", max)
	}
	return data, nil
}

func validSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == sha256.Size && hex.EncodeToString(b) == s
}
