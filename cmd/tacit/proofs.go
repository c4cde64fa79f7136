package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tacit-zk/tacit/internal/strictjson"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/atomicfile"
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
	name := fs.String("statement", "no-default", "statement: no-default, no-late90, no-late60 or no-late30")
	window := fs.Int("window", 24, "window in months (1-60)")
	asOf := fs.String("as-of", "", "as-of month T, YYYY-MM; the window is the months before it")
	var credPaths multiFlag
	fs.Var(&credPaths, "credential", "credential file; repeat for each credential a --policy asks for")
	policyPath := fs.String("policy", "", "prove a lender's policy (policy.json) instead of a statement")
	registryPath := fs.String("registry", "", "with --policy: the issuer registry (registry.json)")
	holderPath := fs.String("holder", "", "holder secret file")
	lender := fs.String("lender", "", "the lender's identifier")
	nonce := fs.String("nonce", "", "the lender's nonce (64 hex)")
	out := fs.String("out", "", "where to write the attestation")
	if err := parse(fs, args, "as-of", "credential", "holder", "lender", "nonce", "out"); err != nil {
		return err
	}
	month, err := credential.ParseMonth(*asOf)
	if err != nil {
		return fmt.Errorf("--as-of: %w", err)
	}
	creds := make([]*credential.Credential, len(credPaths))
	for i, path := range credPaths {
		if creds[i], err = readCredential(path); err != nil {
			return err
		}
	}
	holder, err := readHolder(*holderPath)
	if err != nil {
		return err
	}
	var req statement.Request
	var trust statement.Trust
	var doc *policydoc.Policy
	if *policyPath != "" {
		if *registryPath == "" {
			return errors.New("missing required flag --registry (with --policy)")
		}
		if req, doc, trust.Registry, err = policyRequest(*policyPath, *registryPath, month.String()); err != nil {
			return err
		}
	} else {
		if len(creds) != 1 {
			return fmt.Errorf("--credential: a statement takes one credential, got %d (several are for --policy)", len(creds))
		}
		if req, err = statementRequest(*name, *window, month.String()); err != nil {
			return err
		}
	}
	att, err := prover.New(*keyDir).Prove(context.Background(), prover.Task{
		Request: req, Lender: *lender, Nonce: *nonce, Trust: trust,
		Inputs: statement.Inputs{Credentials: creds, Holder: holder},
	})
	var unsat *statement.Unsatisfied
	if errors.As(err, &unsat) {
		if detail := unsat.Detail(func(i int) string { return "--credential " + credPaths[i] }); detail != "" {
			return fmt.Errorf("%v (%s); no attestation written", err, detail)
		}
		return fmt.Errorf("%v; no attestation written", err)
	}
	if err != nil {
		return err
	}
	data, err := att.MarshalIndent()
	if err != nil {
		return err
	}
	if err := atomicfile.Write(*out, data, 0o644); err != nil {
		return err
	}
	if doc != nil {
		fmt.Fprintf(e.stdout, "wrote %s: %s, policy %q (hash %s) as of %s\n", *out, att.Statement, doc.ID, doc.HashHex(), month)
		return nil
	}
	fmt.Fprintf(e.stdout, "wrote %s: %s, %s\n", *out, att.Statement, req.Sentence())
	return nil
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
	attPath := fs.String("attestation", "", "attestation file")
	name := fs.String("statement", "no-default", "the statement you require (statements only): no-default, no-late90, no-late60 or no-late30; a stricter one is accepted")
	var issuers multiFlag
	fs.Var(&issuers, "issuer", "a trusted issuer public key (64 hex); repeat for several (statements only)")
	policyPath := fs.String("policy", "", "verify against your policy (policy.json) instead of a statement")
	registryPath := fs.String("registry", "", "with --policy: the issuer registry whose current roots you accept")
	lender := fs.String("lender", "", "your lender identifier")
	nonce := fs.String("nonce", "", "the nonce you issued (64 hex)")
	asOf := fs.String("as-of", "", "the as-of month you require, YYYY-MM (default: this month or the previous one)")
	minWindow := fs.Int("min-window", 0, "the shortest window you accept, in months (statements only)")
	if err := parse(fs, args, "attestation", "lender", "nonce"); err != nil {
		return err
	}
	if *policyPath == "" && len(issuers) == 0 {
		return errors.New("missing required flag --issuer")
	}
	if *policyPath != "" && *registryPath == "" {
		return errors.New("missing required flag --registry (with --policy)")
	}
	if *minWindow < 0 || *minWindow > credential.MaxMonths {
		return fmt.Errorf("--min-window: must be 0 to %d months", credential.MaxMonths)
	}
	exp := verifier.Expect{Lender: *lender, Nonce: *nonce, Match: statement.AtLeast}
	for _, s := range issuers {
		k, err := credential.ParseIssuerKey(s)
		if err != nil {
			return fmt.Errorf("--issuer: %w", err)
		}
		exp.Trust.Issuers = append(exp.Trust.Issuers, k)
	}
	if *asOf != "" {
		m, err := credential.ParseMonth(*asOf)
		if err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
		exp.AsOf = &m
	}
	data, err := strictjson.ReadFile(*attPath, verifier.MaxFileSize)
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
		if exp.Request, _, exp.Trust.Registry, err = policyRequest(*policyPath, *registryPath, month); err != nil {
			return err
		}
	} else {
		if policy, err := circuits.Resolve("policy"); err == nil && att.Statement == policy.ID() {
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
}
