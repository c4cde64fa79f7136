package main

import (
	"encoding/json"
	"fmt"
	"github.com/tacit-zk/tacit/internal/strictjson"
	"strings"
	"time"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/atomicfile"
	"github.com/tacit-zk/tacit/verifier"
)

func init() {
	register("issuer keygen", "write an issuer signing key and print its public key", issuerKeygen)
	register("holder keygen", "write a holder secret and print its subject commitment", holderKeygen)
	register("credential sign", "sign a business's records as a credential (issuer)", credentialSign)
	register("credential verify", "check a credential's fields and signature", credentialVerify)
	register("nonce", "print a fresh lender nonce", nonce)
}

func issuerKeygen(e *env, args []string) error {
	fs := e.flags("issuer keygen")
	out := fs.String("out", "", "where to write the key (mode 0600)")
	if err := parse(fs, args, "out"); err != nil {
		return err
	}
	key, err := credential.NewIssuerSecret()
	if err != nil {
		return err
	}
	data, err := json.Marshal(key)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteNew(*out, append(data, '\n'), 0o600); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, key.Public().Hex())
	return nil
}

func holderKeygen(e *env, args []string) error {
	fs := e.flags("holder keygen")
	out := fs.String("out", "", "where to write the secret (mode 0600)")
	if err := parse(fs, args, "out"); err != nil {
		return err
	}
	secret, err := credential.NewHolderSecret()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteNew(*out, []byte(secret.Hex()+"\n"), 0o600); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, secret.Subject().Hex())
	return nil
}

func readHolder(path string) (credential.HolderSecret, error) {
	data, err := strictjson.ReadFile(path, credential.MaxFileSize)
	if err != nil {
		return credential.HolderSecret{}, err
	}
	s, err := credential.ParseHolderSecret(strings.TrimSuffix(string(data), "\n"))
	if err != nil {
		return credential.HolderSecret{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func (e *env) readCredential(path string) (*credential.Credential, error) {
	data, err := e.readInput("credential", path, credential.MaxFileSize)
	if err != nil {
		return nil, err
	}
	c, err := credential.ParseCredential(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func credentialSign(e *env, args []string) error {
	fs := e.flags("credential sign")
	keyPath := fs.String("key", "", "issuer key file")
	subject := fs.String("subject", "", "the holder's subject commitment (64 hex)")
	records := fs.String("records", "", "records JSON exported by the data holder (- for standard input)")
	expires := fs.String("expires", "", "expiry date, YYYY-MM-DD")
	issued := fs.String("issued", "", "issue date, YYYY-MM-DD (default: today, UTC)")
	kind := fs.String("kind", "payment-history", "credential kind: payment-history or revenue")
	layout := fs.String("layout", "v2", "message layout: v2 (read by no-default/v2), or v1 for statements that read v1 (no-default/v1, policy/v1)")
	out := fs.String("out", "", "where to write the credential (- for standard output)")
	if err := parse(fs, args, "key", "subject", "records", "expires", "out"); err != nil {
		return err
	}
	lay, err := credential.ParseLayout(*layout)
	if err != nil {
		return flagErr("layout", err)
	}
	keyData, err := strictjson.ReadFile(*keyPath, credential.MaxFileSize)
	if err != nil {
		return err
	}
	key, err := credential.ParseIssuerSecret(keyData)
	if err != nil {
		return fmt.Errorf("%s: %w", *keyPath, err)
	}
	terms := credential.Terms{Layout: lay, IssuedAt: credential.DayOf(time.Now())}
	if terms.Kind, err = credential.ParseKind(*kind); err != nil {
		return flagErr("kind", err)
	}
	if terms.Subject, err = credential.ParseSubject(*subject); err != nil {
		return flagErr("subject", err)
	}
	if terms.ExpiresAt, err = credential.ParseDay(*expires); err != nil {
		return flagErr("expires", err)
	}
	if *issued != "" {
		if terms.IssuedAt, err = credential.ParseDay(*issued); err != nil {
			return flagErr("issued", err)
		}
	}
	recData, err := e.readInput("records", *records, credential.MaxFileSize)
	if err != nil {
		return err
	}
	hist, err := credential.ParseRecords(recData)
	if err != nil {
		return fmt.Errorf("%s: %w", *records, err)
	}
	// The issued-at day is the signing date: no month after its month.
	if err := hist.CheckRecordedBy(terms.IssuedAt); err != nil {
		return fmt.Errorf("%s: %w", *records, err)
	}
	c, err := credential.Sign(key, terms, hist)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	where, err := e.writeOutput(*out, append(data, '\n'), 0o600)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.note(*out), "wrote %s: signed %s credential: %d months from %s, expires %s\n", where, c.Kind, len(c.Months), c.PeriodStart, c.ExpiresAt)
	return nil
}

func credentialVerify(e *env, args []string) error {
	fs := e.flags("credential verify")
	path := fs.String("credential", "", "credential file (- for standard input)")
	if err := parse(fs, args, "credential"); err != nil {
		return err
	}
	c, err := e.readCredential(*path)
	if err != nil {
		return err
	}
	if err := c.Verify(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "valid %s credential from issuer %s: %d months from %s, issued %s, expires %s\n",
		c.Kind, c.Issuer.Hex(), len(c.Months), c.PeriodStart, c.IssuedAt, c.ExpiresAt)
	return nil
}

func nonce(e *env, args []string) error {
	fs := e.flags("nonce")
	if err := parse(fs, args); err != nil {
		return err
	}
	n, err := verifier.NewNonce(nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, n)
	return nil
}
