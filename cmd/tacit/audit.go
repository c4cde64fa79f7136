package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/consensys/gnark/constraint"

	"github.com/tacit-zk/tacit/audit"
	"github.com/tacit-zk/tacit/ceremony"
	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/keys"
)

func init() {
	register("audit", "recompile the circuits and check a key directory or a server against them, and a ceremony (auditor)", auditCmd)
	register("circuits explain", "a statement, its public inputs, what a verifier checks, its constraints per block", circuitsExplain)
}

func auditCmd(e *env, args []string) error {
	fs := e.flags("audit")
	keyDir := fs.String("keys", "", "key directory to audit")
	server := fs.String("server", "", "base URL of a tacit server to audit (GET /v1/circuits)")
	apiKey := fs.String("api-key", "", "bearer API key for --server (default: $TACIT_API_KEY)")
	ceremonyDir := fs.String("ceremony", "", "ceremony directory the keys must follow from")
	timeout := fs.Duration("timeout", 30*time.Second, "timeout for --server")
	sel := fs.String("circuit", "all", "circuit id to audit, or all")
	asJSON := fs.Bool("json", false, "print the checks as JSON (exit status 1 if one fails)")
	if err := parse(fs, args); err != nil {
		return e.jsonResult(*asJSON, err)
	}
	if (*keyDir == "") == (*server == "") {
		return e.jsonResult(*asJSON, usagef("give exactly one of --keys and --server"))
	}
	var (
		pub    []audit.Published
		source string
		err    error
	)
	if *keyDir != "" {
		source = *keyDir
		pub, err = audit.FromKeys(*keyDir)
	} else {
		source = *server
		key := *apiKey
		if key == "" {
			key = os.Getenv("TACIT_API_KEY")
		}
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		defer cancel()
		pub, err = audit.FromServer(ctx, &http.Client{Timeout: *timeout}, *server, key)
	}
	if err != nil {
		return e.jsonResult(*asJSON, err)
	}
	return runAudit(e, source, pub, *sel, *ceremonyDir, *asJSON)
}

// auditResult is the --json result of audit and keys verify.
type auditResult struct {
	OK       bool         `json:"ok"`
	Source   string       `json:"source"`
	Gnark    string       `json:"gnark"`
	Ceremony bool         `json:"ceremonyChecked"`
	Checks   []auditCheck `json:"checks"`
	Error    *jsonError   `json:"error,omitempty"`
}

type auditCheck struct {
	Circuit string `json:"circuit"`
	Check   string `json:"check"`
	Result  string `json:"result"` // ok, fail or note
	Error   string `json:"error,omitempty"`
}

// runAudit audits pub, published by source, against this source tree: the
// circuit sel (or all), and a ceremony directory if one is given. It prints
// one line per check.
func runAudit(e *env, source string, pub []audit.Published, sel, ceremonyDir string, asJSON bool) error {
	var cfg audit.Config
	if sel != "all" {
		info, err := lookupCircuit(sel)
		if err != nil {
			return e.jsonResult(asJSON, err)
		}
		cfg.Circuits = []circuits.Info{info}
	}
	if ceremonyDir != "" {
		cfg.Ceremony = func(id string, ccs constraint.ConstraintSystem) (*ceremony.Result, error) {
			return ceremony.Verify(ceremonyDir, id, ccs, ceremony.WithLog(e.stderr))
		}
	}
	r := audit.Run(source, pub, cfg)
	if asJSON {
		out := auditResult{OK: r.Err() == nil, Source: source, Gnark: circuits.GnarkVersion, Ceremony: cfg.Ceremony != nil, Checks: []auditCheck{}}
		for _, c := range r.Checks {
			ac := auditCheck{Circuit: c.Circuit, Check: c.What, Result: "ok"}
			switch {
			case c.Note:
				ac.Result = "note"
			case c.Err != nil:
				ac.Result, ac.Error = "fail", c.Err.Error()
			}
			out.Checks = append(out.Checks, ac)
		}
		if err := r.Err(); err != nil {
			out.Error = &jsonError{Code: "audit_failed", Message: err.Error()}
		}
		if err := e.printJSON(out); err != nil {
			return err
		}
		return r.Err()
	}
	fmt.Fprintf(e.stdout, "audit of %s against this source tree (gnark %s)\n", source, circuits.GnarkVersion)
	for _, c := range r.Checks {
		switch {
		case c.Note:
			fmt.Fprintf(e.stdout, "note %s: %s\n", c.Circuit, c.What)
		case c.Err != nil:
			fmt.Fprintf(e.stdout, "FAIL %s: %s: %v\n", c.Circuit, c.What, c.Err)
		default:
			fmt.Fprintf(e.stdout, "ok   %s: %s\n", c.Circuit, c.What)
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	if cfg.Ceremony == nil {
		fmt.Fprintln(e.stdout, "all checks passed; the keys were not checked against a ceremony (pass --ceremony)")
	} else {
		fmt.Fprintln(e.stdout, "all checks passed")
	}
	return nil
}

func circuitsExplain(e *env, args []string) error {
	fs := e.flags("circuits explain")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() != 1 {
		return usagef("usage: tacit circuits explain ID (see `tacit circuits list`)")
	}
	info, err := lookupCircuit(fs.Arg(0))
	if err != nil {
		return err
	}
	x, err := audit.Explain(info)
	if err != nil {
		return err
	}
	w := e.stdout
	fmt.Fprintf(w, "%s\n\n  %s\n\n", info.ID, info.Description)
	fmt.Fprintln(w, "public inputs, in the proof's order, and what a verifier must check about each:")
	for i, in := range info.Inputs {
		fmt.Fprintf(w, "  %d. %-10s %s\n", i+1, in.Name, in.Check)
	}
	fmt.Fprintf(w, "\n%d R1CS constraints (Groth16, BN254), by block:\n", x.Constraints)
	for _, b := range x.Blocks {
		fmt.Fprintf(w, "  %6d  %5.1f%%  %s\n", b.Constraints, 100*float64(b.Constraints)/float64(x.Constraints), b.Name)
	}
	return nil
}

// lookupCircuit accepts a statement the same way everywhere: its id
// (no-default/v1), its name (no-default, what a lender asks for) or its
// key folder's name (no-default-v1).
func lookupCircuit(id string) (circuits.Info, error) {
	for _, info := range circuits.All() {
		if keys.Folder(info.ID) == id {
			return info, nil
		}
	}
	if st, err := circuits.Resolve(id); err == nil {
		return circuits.Lookup(st.ID())
	}
	return circuits.Lookup(id)
}
