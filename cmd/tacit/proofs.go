package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/atomicfile"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/verifier"
)

func init() {
	register("prove", "prove a statement about a credential (business)", prove)
	register("verify", "verify an attestation (lender)", verify)
}

func prove(e *env, args []string) error {
	fs := e.flags("prove")
	keyDir := fs.String("keys", "keys", "key directory")
	statement := fs.String("statement", "no-default", "statement: no-default, no-late90, no-late60 or no-late30")
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
	if *policyPath != "" {
		return provePolicy(e, *keyDir, *policyPath, *registryPath, credPaths, prover.PolicyRequest{
			Credentials: creds, AsOf: month, Holder: holder, Lender: *lender, Nonce: *nonce,
		}, *out)
	}
	if len(creds) != 1 {
		return fmt.Errorf("--credential: a statement takes one credential, got %d (several are for --policy)", len(creds))
	}
	att, err := prover.New(*keyDir).Prove(context.Background(), prover.Request{
		Statement: *statement, Window: *window, AsOf: month, Credential: creds[0],
		Holder: holder, Lender: *lender, Nonce: *nonce,
	})
	var unsat *prover.UnsatisfiedError
	if errors.As(err, &unsat) {
		if unsat.Rule != "" {
			return fmt.Errorf("%v (%s); no attestation written", err, unsat.Rule)
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
	fmt.Fprintf(e.stdout, "wrote %s: %s, %s\n", *out, att.Statement, verifier.Describe(prover.Statements[*statement], *window, month))
	return nil
}

func verify(e *env, args []string) error {
	fs := e.flags("verify")
	keyDir := fs.String("keys", "keys", "key directory")
	attPath := fs.String("attestation", "", "attestation file")
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
	exp := verifier.Expect{Lender: *lender, Nonce: *nonce, MinWindow: *minWindow}
	for _, s := range issuers {
		k, err := credential.ParseIssuerKey(s)
		if err != nil {
			return fmt.Errorf("--issuer: %w", err)
		}
		exp.Issuers = append(exp.Issuers, k)
	}
	var month *credential.Month
	if *asOf != "" {
		m, err := credential.ParseMonth(*asOf)
		if err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
		month = &m
	}
	data, err := os.ReadFile(*attPath)
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
	if *policyPath != "" {
		return verifyPolicy(e, v, att, *policyPath, *registryPath, verifier.PolicyExpect{Lender: *lender, Nonce: *nonce, AsOf: month})
	}
	exp.AsOf = month
	res, err := v.Verify(att, exp)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "verified %s: %s\n  issuer    %s\n  lender    %s\n  pseudonym %s\n", res.Statement, res.Sentence, res.Issuer.Hex(), res.Lender, res.Pseudonym)
	return nil
}
