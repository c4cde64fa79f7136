package devenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/atomicfile"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/server/auth"
	"github.com/tacit-zk/tacit/server/issuers"
	"github.com/tacit-zk/tacit/server/sealed"
)

// DefaultDir is the development directory `tacit serve --dev` uses.
const DefaultDir = ".tacit-dev"

// The development directory's files.
const (
	IssuerFile   = "issuer.key"    // the demo issuer, trusted
	Bank2File    = "bank2.key"     // a second demo bank (registry only)
	TaxFile      = "tax.key"       // a demo tax bureau (registry only)
	RegistryFile = "registry.json" // the demo registry
	SealKeyFile  = "seal.key"      // the sealing key dev servers and workers share
)

// DemoNames are the principals the demo API keys are for, by role; the
// lender's name is its lender identifier.
var DemoNames = map[auth.Role]string{auth.RoleBusiness: "acme", auth.RoleLender: "bank-a", auth.RoleAuditor: "auditor", auth.RoleAdmin: "admin"}

// Config is what Setup sets up.
type Config struct {
	// Dir is the development directory (DefaultDir).
	Dir string
	// Keys is the key directory; keys missing from it are set up.
	Keys string
	// Auth receives a demo API key for each role.
	Auth *auth.Book
	// Issuers is the trusted-issuer list the demo issuer is added to.
	Issuers issuers.Store
	// Registry asks for the demo registry (when the operator gave none).
	Registry bool
	// Out receives what was set up, the demo API keys among it.
	Out io.Writer
	// Now is the clock of the demo issuer's AddedAt (default time.Now).
	Now func() time.Time
}

// Validate checks c.
func (c Config) Validate() error {
	switch {
	case c.Dir == "":
		return errors.New("devenv: missing the development directory")
	case c.Keys == "":
		return errors.New("devenv: missing the key directory")
	case c.Auth == nil:
		return errors.New("devenv: missing the API key book")
	case c.Issuers == nil:
		return errors.New("devenv: missing the trusted-issuer list")
	case c.Out == nil:
		return errors.New("devenv: missing the output writer")
	}
	return nil
}

// Env is what Setup made.
type Env struct {
	// Issuer is the demo issuer's public key, now trusted.
	Issuer credential.IssuerKey
	// Registry is the demo registry, nil unless Config.Registry.
	Registry *registry.Registry
}

// Setup makes the development mode usable with nothing installed: keys set
// up on first start, demo API keys added to the book and printed, a demo
// issuer trusted and, if asked, the demo registry written.
func Setup(ctx context.Context, c Config) (*Env, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return nil, err
	}
	if err := setUpKeys(ctx, c.Keys, c.Out); err != nil {
		return nil, err
	}
	for _, role := range auth.Roles {
		key, _, err := auth.NewKey(DemoNames[role], role)
		if err != nil {
			return nil, err
		}
		c.Auth.Add(key, auth.Principal{Name: DemoNames[role], Role: role})
		fmt.Fprintf(c.Out, "demo %s key: %s\n", role, key)
	}
	issuerPath := filepath.Join(c.Dir, IssuerFile)
	secret, err := Issuer(issuerPath)
	if err != nil {
		return nil, err
	}
	env := &Env{Issuer: secret.Public()}
	if err := c.Issuers.Add(ctx, issuers.Issuer{Key: env.Issuer.Hex(), Name: "demo-issuer", AddedAt: c.Now().UTC().Truncate(time.Second)}); err != nil {
		return nil, err
	}
	fmt.Fprintf(c.Out, "demo issuer key: %s (public key %s, trusted)\n", issuerPath, env.Issuer.Hex())
	if c.Registry {
		if env.Registry, err = demoRegistry(c.Dir, c.Out); err != nil {
			return nil, err
		}
	}
	return env, nil
}

// runSetup is keys.Setup (a test replaces it).
var runSetup = keys.Setup

// setUpKeys sets up development keys for every circuit missing from dir.
// The setup writes to a temporary directory next to dir, and each circuit's
// folder is renamed into dir once every circuit is set up, so that a setup
// that is interrupted or fails leaves dir as it was. When ctx ends first,
// setUpKeys returns at once; the setup of the circuit in progress (which
// cannot be interrupted) goes on in the background and its output is
// removed.
func setUpKeys(ctx context.Context, dir string, out io.Writer) error {
	var missing []string
	for _, info := range circuits.All() {
		if _, err := keys.ReadManifest(dir, info.ID); err != nil {
			missing = append(missing, info.ID)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	for _, id := range missing {
		folder := filepath.Join(dir, keys.Folder(id))
		if entries, err := os.ReadDir(folder); err == nil && len(entries) > 0 {
			return fmt.Errorf("devenv: %s holds files but no readable manifest; remove it to set up development keys for %s", folder, id)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	parent, base := filepath.Split(filepath.Clean(dir))
	if parent == "" {
		parent = "."
	}
	stale, _ := filepath.Glob(filepath.Join(parent, "."+base+".setup-*"))
	for _, d := range stale {
		os.RemoveAll(d) // left by a process killed mid-setup
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".setup-")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "development mode: setting up keys in %s for %s (first start; policy/v1 takes a while; Ctrl-C stops it)\n", dir, strings.Join(missing, ", "))
	done := make(chan error, 1)
	go func() {
		err := runSetup(tmp, out, missing...)
		if err != nil || ctx.Err() != nil {
			os.RemoveAll(tmp)
		}
		done <- err
	}()
	select {
	case <-ctx.Done():
		os.RemoveAll(tmp)
		return fmt.Errorf("devenv: key setup stopped: %w", ctx.Err())
	case err := <-done:
		if err != nil {
			return err
		}
	}
	defer os.RemoveAll(tmp)
	for _, id := range missing {
		folder := keys.Folder(id)
		os.Remove(filepath.Join(dir, folder)) // an empty folder, if any
		if err := os.Rename(filepath.Join(tmp, folder), filepath.Join(dir, folder)); err != nil {
			return fmt.Errorf("devenv: %w", err)
		}
	}
	return nil
}

// Issuer reads an issuer secret file of the development directory, making
// it (mode 0600) on first use.
func Issuer(path string) (*credential.IssuerSecret, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		secret, err := credential.NewIssuerSecret()
		if err != nil {
			return nil, err
		}
		data, _ = json.Marshal(secret)
		data = append(data, '\n')
		if err := atomicfile.WriteNew(path, data, 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	secret, err := credential.ParseIssuerSecret(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return secret, nil
}

// demoRegistry accredits the demo issuer and a second demo bank as
// "accredited-banks" and a demo tax bureau as "tax-authorities", and writes
// the registry to the development directory for the CLI to use too.
func demoRegistry(dir string, out io.Writer) (*registry.Registry, error) {
	var keysOf [3]credential.IssuerKey
	for i, name := range []string{IssuerFile, Bank2File, TaxFile} {
		secret, err := Issuer(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		keysOf[i] = secret.Public()
	}
	reg := registry.New()
	if _, err := reg.Put("accredited-banks", credential.KindPaymentHistory, keysOf[:2]); err != nil {
		return nil, err
	}
	if _, err := reg.Put("tax-authorities", credential.KindRevenue, keysOf[2:]); err != nil {
		return nil, err
	}
	data, err := reg.MarshalIndent()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, RegistryFile)
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "demo registry: %s (accredited-banks: %s %s and %s; tax-authorities: %s %s)\n", path, dir, IssuerFile, Bank2File, dir, TaxFile)
	return reg, nil
}

// SealKey keeps one payload sealing key in the development directory dir,
// so that dev servers and workers sharing a Redis agree on it.
func SealKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, SealKeyFile)
	if data, err := os.ReadFile(path); err == nil {
		return hex.DecodeString(strings.TrimSpace(string(data)))
	}
	key := make([]byte, sealed.KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return key, atomicfile.Write(path, []byte(hex.EncodeToString(key)+"\n"), 0o600)
}
