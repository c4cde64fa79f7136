package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/policydoc"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

func init() {
	register("prove", "prove a statement about a credential (business)", prove)
	register("verify", "verify an attestation (lender)", verify)
}

func prove(e *env, args []string) error {
	fs := e.flags("prove")
	keyDir := fs.String("keys", "keys", "key directory")
	name := fs.String("statement", "no-default", "statement: no-default, no-late90, no-late60 or no-late30; with --policy, policy (the default) or a policy statement's id (policy/v1)")
	window := fs.Int("window", 24, "window in months (1-60)")
	asOf := fs.String("as-of", "", "as-of month T, YYYY-MM; the window is the months before it")
	var credPaths multiFlag
	fs.Var(&credPaths, "credential", "credential file; repeat for each credential a --policy asks for (- for standard input, once)")
	policyPath := fs.String("policy", "", "prove a lender's policy (policy.json) instead of a statement")
	registryPath := fs.String("registry", "", "with --policy: the issuer registry (registry.json)")
	holderPath := fs.String("holder", "", "holder secret file")
	lender := fs.String("lender", "", "the lender's identifier")
	nonce := fs.String("nonce", "", "the lender's nonce (64 hex)")
	out := fs.String("out", "", "where to write the attestation (- for standard output)")
	asJSON := fs.Bool("json", false, "print the result as JSON (a refusal too, with exit status 1)")
	if err := parse(fs, args, "as-of", "credential", "holder", "lender", "nonce", "out"); err != nil {
		return e.jsonResult(*asJSON, err)
	}
	if *asJSON && *out == stdio {
		return e.jsonResult(true, usagef("--json and --out - both print to standard output: write the attestation to a file"))
	}
	return e.jsonResult(*asJSON, proveWith(e, proveArgs{*keyDir, *name, *window, *asOf, credPaths, *policyPath, *registryPath, *holderPath, *lender, *nonce, *out, *asJSON}))
}

type proveArgs struct {
	keyDir, name                                        string
	window                                              int
	asOf                                                string
	credPaths                                           multiFlag
	policyPath, registryPath, holderPath, lender, nonce string
	out                                                 string
	asJSON                                              bool
}

// proveResult is prove's --json result.
type proveResult struct {
	OK         bool   `json:"ok"`
	Out        string `json:"out"`
	Statement  string `json:"statement"`
	Sentence   string `json:"sentence,omitempty"`
	AsOf       string `json:"asOf"`
	PolicyID   string `json:"policyId,omitempty"`
	PolicyHash string `json:"policyHash,omitempty"`
}

func proveWith(e *env, a proveArgs) error {
	month, err := credential.ParseMonth(a.asOf)
	if err != nil {
		return flagErr("as-of", err)
	}
	creds := make([]*credential.Credential, len(a.credPaths))
	for i, path := range a.credPaths {
		if creds[i], err = e.readCredential(path); err != nil {
			return err
		}
	}
	holder, err := readHolder(a.holderPath)
	if err != nil {
		return err
	}
	var req statement.Request
	var trust statement.Trust
	var doc *policydoc.Policy
	if a.policyPath != "" {
		if a.registryPath == "" {
			return usagef("missing required flag --registry (with --policy)")
		}
		name := "policy"
		if strings.HasPrefix(a.name, "policy") {
			name = a.name
		}
		if req, doc, trust.Registry, err = policyRequest(name, a.policyPath, a.registryPath, month.String()); err != nil {
			return err
		}
	} else {
		if len(creds) != 1 {
			return fmt.Errorf("--credential: a statement takes one credential, got %d (several are for --policy)", len(creds))
		}
		if req, err = statementRequest(a.name, a.window, month.String()); err != nil {
			return err
		}
	}
	defer pauseGC()()
	att, err := prover.New(a.keyDir).Prove(context.Background(), prover.Task{
		Request: req, Lender: a.lender, Nonce: a.nonce, Trust: trust,
		Inputs: statement.Inputs{Credentials: creds, Holder: holder},
	})
	var unsat *statement.Unsatisfied
	if errors.As(err, &unsat) {
		if detail := unsat.Detail(func(i int) string { return "--credential " + a.credPaths[i] }); detail != "" {
			return fmt.Errorf("%w (%s); no attestation written", err, detail)
		}
		return fmt.Errorf("%w; no attestation written", err)
	}
	if err != nil {
		return err
	}
	data, err := att.MarshalIndent()
	if err != nil {
		return err
	}
	where, err := e.writeOutput(a.out, data, 0o644)
	if err != nil {
		return err
	}
	if a.asJSON {
		r := proveResult{OK: true, Out: a.out, Statement: att.Statement, AsOf: month.String()}
		if doc != nil {
			r.PolicyID, r.PolicyHash = doc.ID, doc.HashHex()
		} else {
			r.Sentence = req.Sentence()
		}
		return e.printJSON(r)
	}
	if doc != nil {
		fmt.Fprintf(e.note(a.out), "wrote %s: %s, policy %q (hash %s) as of %s\n", where, att.Statement, doc.ID, doc.HashHex(), month)
		return nil
	}
	fmt.Fprintf(e.note(a.out), "wrote %s: %s, %s\n", where, att.Statement, req.Sentence())
	return nil
}

// proveMemoryLimit bounds the heap while pauseGC holds the collector off:
// past it the collector runs as usual. A no-default/v1 proof peaks near
// 60 MB (resident) with the collector off, far below it.
const proveMemoryLimit = 512 << 20

// pauseGC switches the garbage collector off for the one proof a `tacit
// prove` process makes, under a soft memory limit, and returns what
// restores the settings. The process ends right after, so collecting the
// garbage of key loading and proving is wasted work, and its stop-the-world
// phases stall the prover's goroutines. A GOGC or GOMEMLIMIT in the
// environment wins: then nothing changes. Proofs that overlap in one
// process (tests) share one pause: the last to finish restores.
func pauseGC() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	gcPause.Lock()
	defer gcPause.Unlock()
	if gcPause.holders == 0 {
		gcPause.percent = debug.SetGCPercent(-1)
		gcPause.limit = debug.SetMemoryLimit(proveMemoryLimit)
	}
	gcPause.holders++
	return func() {
		gcPause.Lock()
		defer gcPause.Unlock()
		if gcPause.holders--; gcPause.holders == 0 {
			debug.SetMemoryLimit(gcPause.limit)
			debug.SetGCPercent(gcPause.percent)
		}
	}
}

// gcPause is the collector's settings from before the first pauseGC still
// held, and how many hold it.
var gcPause struct {
	sync.Mutex
	holders int
	percent int
	limit   int64
}

// statementRequest makes the request for a statement asked by name
// ("no-default", "no-late60") over window months before asOf (YYYY-MM).
func statementRequest(name string, window int, asOf string) (statement.Request, error) {
	params, err := json.Marshal(map[string]any{"window": window, "asOf": asOf})
	if err != nil {
		return nil, err
	}
	req, err := decodeRequest(name, params)
	if err != nil {
		return nil, fmt.Errorf("--statement %s over %d months: %w", name, window, err)
	}
	return req, nil
}

func verify(e *env, args []string) error {
	fs := e.flags("verify")
	keyDir := fs.String("keys", "keys", "key directory")
	attPath := fs.String("attestation", "", "attestation file (- for standard input)")
	name := fs.String("statement", "no-default", "the statement you require (statements only): no-default, no-late90, no-late60 or no-late30; a stricter one is accepted")
	var issuers multiFlag
	fs.Var(&issuers, "issuer", "a trusted issuer public key (64 hex); repeat for several (statements only)")
	policyPath := fs.String("policy", "", "verify against your policy (policy.json) instead of a statement")
	registryPath := fs.String("registry", "", "with --policy: the issuer registry whose current roots you accept")
	lender := fs.String("lender", "", "your lender identifier")
	nonce := fs.String("nonce", "", "the nonce you issued (64 hex)")
	asOf := fs.String("as-of", "", "the as-of month you require, YYYY-MM (default: this month or the previous one)")
	minWindow := fs.Int("min-window", 0, "the shortest window you accept, in months (statements only)")
	asJSON := fs.Bool("json", false, "print the result as JSON (a refusal too, with exit status 1)")
	if err := parse(fs, args, "attestation", "lender", "nonce"); err != nil {
		return e.jsonResult(*asJSON, err)
	}
	return e.jsonResult(*asJSON, func() error {
		if *policyPath == "" && len(issuers) == 0 {
			return usagef("missing required flag --issuer")
		}
		if *policyPath != "" && *registryPath == "" {
			return usagef("missing required flag --registry (with --policy)")
		}
		if *minWindow < 0 || *minWindow > credential.MaxMonths {
			return usagef("--min-window: must be 0 to %d months", credential.MaxMonths)
		}
		exp := verifier.Expect{Lender: *lender, Nonce: *nonce, Match: statement.AtLeast}
		for _, s := range issuers {
			k, err := credential.ParseIssuerKey(s)
			if err != nil {
				return flagErr("issuer", err)
			}
			exp.Trust.Issuers = append(exp.Trust.Issuers, k)
		}
		if *asOf != "" {
			m, err := credential.ParseMonth(*asOf)
			if err != nil {
				return flagErr("as-of", err)
			}
			exp.AsOf = &m
		}
		data, err := e.readInput("attestation", *attPath, verifier.MaxFileSize)
		if err != nil {
			return err
		}
		att, err := verifier.ParseAttestation(data)
		if err != nil {
			return fmt.Errorf("%s: %w", *attPath, err)
		}
		v, err := verifier.New(*keyDir)
		if err != nil {
			return err
		}
		// The request's month words the result: the one required, or else the
		// attestation's (the verifier checks that it is current).
		month := att.Binding.AsOf
		if exp.AsOf != nil {
			month = exp.AsOf.String()
		}
		if *policyPath != "" {
			exp.Trust = statement.Trust{} // a policy trusts the registry's sets, not keys
			if exp.Request, _, exp.Trust.Registry, err = policyRequest("policy", *policyPath, *registryPath, month); err != nil {
				return err
			}
		} else {
			if st, err := circuits.Resolve(att.Statement); err == nil && st.Layout().Extra == "policy" {
				return fmt.Errorf("%s: a %s attestation is verified against a policy: pass --policy FILE and --registry FILE", *attPath, att.Statement)
			}
			if exp.Request, err = statementRequest(*name, max(1, *minWindow), month); err != nil {
				return err
			}
		}
		res, err := v.Verify(att, exp)
		if err != nil {
			return err
		}
		if *asJSON {
			return e.printJSON(verifyResult{OK: true, Statement: res.Statement, Sentence: res.Sentence, Params: res.Params,
				Issuer: res.Issuer, Details: res.Details, AsOf: res.AsOf.String(), Lender: res.Lender, Pseudonym: res.Pseudonym})
		}
		fmt.Fprintf(e.stdout, "verified %s: %s\n", res.Statement, res.Sentence)
		if *policyPath != "" {
			for _, c := range res.Details["credentials"] {
				fmt.Fprintf(e.stdout, "  %s\n", c)
			}
			for i, r := range res.Details["rules"] {
				fmt.Fprintf(e.stdout, "  %d. %s\n", i+1, r)
			}
		} else {
			fmt.Fprintf(e.stdout, "  issuer    %s\n", res.Issuer)
		}
		fmt.Fprintf(e.stdout, "  lender    %s\n  pseudonym %s\n", res.Lender, res.Pseudonym)
		return nil
	}())
}

// verifyResult is verify's --json result.
type verifyResult struct {
	OK        bool                `json:"ok"`
	Statement string              `json:"statement"`
	Sentence  string              `json:"sentence"`
	Params    any                 `json:"params,omitempty"`
	Issuer    string              `json:"issuer"`
	Details   map[string][]string `json:"details,omitempty"`
	AsOf      string              `json:"asOf"`
	Lender    string              `json:"lender"`
	Pseudonym string              `json:"pseudonym"`
}
