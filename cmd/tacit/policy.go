package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/tacit-zk/tacit/internal/strictjson"
	"os"
	"strings"
	"time"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/atomicfile"
	"github.com/tacit-zk/tacit/policydoc"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/statement"
)

func init() {
	register("policy check", "validate a policy document (policy.json) [--registry]", policyCheck)
	register("policy hash", "print a policy's hash, the public input that binds proofs to it", policyHash)
	register("policy explain", "explain a policy in plain words [--registry]", policyExplain)
	register("registry build", "create or update an accredited-issuer set in a registry file (operator)", registryBuild)
	register("registry show", "list a registry's issuer sets and their current and retired roots", registryShow)
}

// parseFile parses a command that takes one positional file argument,
// before or after its flags.
func parseFile(fs *flag.FlagSet, args []string, what string) (string, error) {
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", err
		}
		return "", errUsage
	}
	rest := fs.Args()
	if file == "" && len(rest) > 0 {
		file, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		return "", usagef("unexpected argument %q", rest[0])
	}
	if file == "" {
		return "", usagef("missing the %s file argument", what)
	}
	return file, nil
}

// loadPolicy reads a policy and, if path is set, a registry that must hold
// every set the policy names.
func loadPolicy(policyPath, registryPath string) (*policydoc.Policy, *registry.Registry, error) {
	p, err := policydoc.Load(policyPath)
	if err != nil {
		return nil, nil, err
	}
	if registryPath == "" {
		return p, nil, nil
	}
	reg, err := registry.Load(registryPath)
	if err != nil {
		return nil, nil, err
	}
	if err := p.CheckRegistry(reg); err != nil {
		return nil, nil, fmt.Errorf("%s against %s: %w", policyPath, registryPath, err)
	}
	return p, reg, nil
}

// policyArgs parses `tacit policy <name> policy.json [--registry ...]` and
// loads both files.
func policyArgs(e *env, name, registryUsage string, args []string) (*policydoc.Policy, *registry.Registry, error) {
	fs := e.flags("policy " + name)
	registryPath := fs.String("registry", "", registryUsage)
	file, err := parseFile(fs, args, "policy")
	if err != nil {
		return nil, nil, err
	}
	return loadPolicy(file, *registryPath)
}

func policyCheck(e *env, args []string) error {
	p, reg, err := policyArgs(e, "check", "also check that the registry holds every issuer set the policy names", args)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "valid policy %q: %d credential(s), %d rule(s), hash %s\n", p.ID, len(p.Credentials), len(p.Rules), p.HashHex())
	if reg != nil {
		for _, c := range p.Credentials {
			s, _ := reg.Set(c.IssuerSet)
			fmt.Fprintf(e.stdout, "  %s: set %q, %d issuer(s), current root %s\n", c.Name, c.IssuerSet, len(s.Issuers()), credential.FieldHex(s.Root()))
		}
	}
	return nil
}

func policyHash(e *env, args []string) error {
	fs := e.flags("policy hash")
	file, err := parseFile(fs, args, "policy")
	if err != nil {
		return err
	}
	p, err := policydoc.Load(file)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, p.HashHex())
	return nil
}

func policyExplain(e *env, args []string) error {
	p, reg, err := policyArgs(e, "explain", "the registry, to say how many issuers each set holds", args)
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, p.Explain(reg))
	return nil
}

func registryBuild(e *env, args []string) error {
	fs := e.flags("registry build")
	path := fs.String("registry", "", "registry file to create or update")
	name := fs.String("set", "", "the issuer set's name, e.g. accredited-banks")
	kind := fs.String("kind", "", "the credential kind its issuers sign: payment-history or revenue")
	var issuers multiFlag
	fs.Var(&issuers, "issuer", "an accredited issuer's public key (64 hex); repeat for each; the set becomes exactly these")
	if err := parse(fs, args, "registry", "set", "kind", "issuer"); err != nil {
		return err
	}
	k, err := credential.ParseKind(*kind)
	if err != nil {
		return flagErr("kind", err)
	}
	keys := make([]credential.IssuerKey, len(issuers))
	for i, s := range issuers {
		if keys[i], err = credential.ParseIssuerKey(s); err != nil {
			return fmt.Errorf("--issuer %d: %w", i+1, err)
		}
	}
	reg := registry.New()
	if _, err := os.Stat(*path); err == nil {
		if reg, err = registry.Load(*path); err != nil {
			return err
		}
	}
	var before string
	if s, err := reg.Set(*name); err == nil {
		before = credential.FieldHex(s.Root())
	}
	changed, err := reg.Put(*name, k, keys)
	if err != nil {
		return err
	}
	data, err := reg.MarshalIndent()
	if err != nil {
		return err
	}
	if err := atomicfile.Write(*path, data, 0o644); err != nil {
		return err
	}
	s, _ := reg.Set(*name)
	fmt.Fprintf(e.stdout, "set %q (%s): %d issuer(s), root %s\n", *name, k, len(keys), credential.FieldHex(s.Root()))
	switch {
	case changed && before != "":
		fmt.Fprintf(e.stdout, "retired root %s: proofs made against it no longer verify\n", before)
	case !changed:
		fmt.Fprintln(e.stdout, "unchanged")
	}
	return nil
}

func registryShow(e *env, args []string) error {
	fs := e.flags("registry show")
	path := fs.String("registry", "", "registry file")
	asJSON := fs.Bool("json", false, "print JSON (what the service publishes at GET /v1/registries)")
	if err := parse(fs, args, "registry"); err != nil {
		return err
	}
	reg, err := registry.Load(*path)
	if err != nil {
		return err
	}
	if *asJSON {
		data, err := json.MarshalIndent(reg.Roots(), "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, string(data))
		return nil
	}
	for _, r := range reg.Roots() {
		fmt.Fprintf(e.stdout, "%s (%s): %d issuer(s), depth %d\n  root    %s\n", r.Name, r.Kind, r.Issuers, r.Depth, r.Root)
		for _, old := range r.Retired {
			fmt.Fprintf(e.stdout, "  retired %s\n", old)
		}
	}
	return nil
}

// policyRequest reads a lender's policy and the issuer registry (if
// registryPath is set, which must hold every set the policy names) and
// makes the request for a proof as of asOf (YYYY-MM) by the policy
// statement name names ("policy", the default version, or an id such as
// policy/v1).
func policyRequest(name, policyPath, registryPath, asOf string) (statement.Request, *policydoc.Policy, *registry.Registry, error) {
	doc, reg, err := loadPolicy(policyPath, registryPath)
	if err != nil {
		return nil, nil, nil, err
	}
	data, err := strictjson.ReadFile(policyPath, policydoc.MaxFileSize)
	if err != nil {
		return nil, nil, nil, err
	}
	params, err := json.Marshal(struct {
		Policy json.RawMessage `json:"policy"`
		AsOf   string          `json:"asOf"`
	}{data, asOf})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", policyPath, err)
	}
	req, err := decodeRequest(name, params)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", policyPath, err)
	}
	return req, doc, reg, nil
}

// decodeRequest makes the request a lender asks by name ("no-default",
// "policy") with params in JSON, through the statement registry.
func decodeRequest(name string, params []byte) (statement.Request, error) {
	st, err := circuits.Resolve(name)
	if err != nil {
		return nil, err
	}
	return st.DecodeRequest(name, params, credential.MonthOf(time.Now()))
}
