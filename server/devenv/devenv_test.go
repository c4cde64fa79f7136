package devenv_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/server/auth"
	"github.com/tacit-zk/tacit/server/devenv"
	"github.com/tacit-zk/tacit/server/issuers"
)

// keyDir stands in for a key directory that was set up: a manifest per
// circuit is all Setup looks for (proving with it is not tested here).
func keyDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, info := range circuits.All() {
		d := filepath.Join(dir, keys.Folder(info.ID))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, keys.ManifestFile), fakeManifest(info.ID), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestConfigValidate(t *testing.T) {
	good := devenv.Config{Dir: "d", Keys: "k", Auth: auth.NewBook(), Issuers: issuers.NewMemory(), Out: &bytes.Buffer{}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(c *devenv.Config){
		"development directory": func(c *devenv.Config) { c.Dir = "" },
		"key directory":         func(c *devenv.Config) { c.Keys = "" },
		"API key book":          func(c *devenv.Config) { c.Auth = nil },
		"trusted-issuer list":   func(c *devenv.Config) { c.Issuers = nil },
		"output writer":         func(c *devenv.Config) { c.Out = nil },
	} {
		c := good
		edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("no %s: %v", name, err)
		}
		if _, err := devenv.Setup(context.Background(), c); err == nil {
			t.Errorf("no %s: Setup ran", name)
		}
	}
}

// TestSetup: the lines `make run` prints, the demo keys work, the demo
// issuer is trusted and stays the same across starts, and the registry is
// written only when asked for.
func TestSetup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".tacit-dev")
	kd := keyDir(t)
	start := func(withRegistry bool) (string, *auth.Book, *issuers.Memory, *devenv.Env) {
		var out bytes.Buffer
		book, list := auth.NewBook(), issuers.NewMemory()
		env, err := devenv.Setup(context.Background(), devenv.Config{Dir: dir, Keys: kd, Auth: book, Issuers: list, Registry: withRegistry, Out: &out})
		if err != nil {
			t.Fatal(err)
		}
		return out.String(), book, list, env
	}
	out, book, list, env := start(true)
	for _, role := range auth.Roles {
		m := regexp.MustCompile(`(?m)^demo ` + string(role) + ` key: (\S+)$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no demo %s key in:\n%s", role, out)
		}
		p, err := book.Lookup(m[1])
		if err != nil || p.Role != role || p.Name != devenv.DemoNames[role] {
			t.Errorf("demo %s key: %+v, %v", role, p, err)
		}
	}
	issuerPath := filepath.Join(dir, devenv.IssuerFile)
	if !strings.Contains(out, "demo issuer key: "+issuerPath+" (public key "+env.Issuer.Hex()+", trusted)") {
		t.Fatalf("output:\n%s", out)
	}
	trusted, _ := list.List(context.Background())
	if len(trusted) != 1 || trusted[0].Key != env.Issuer.Hex() || trusted[0].Name != "demo-issuer" {
		t.Fatalf("trusted issuers %+v", trusted)
	}
	if st, err := os.Stat(issuerPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("issuer key: %v %v", st, err)
	}
	if env.Registry == nil || !strings.Contains(out, "demo registry: "+filepath.Join(dir, devenv.RegistryFile)) {
		t.Fatalf("no demo registry:\n%s", out)
	}
	for _, set := range []string{"accredited-banks", "tax-authorities"} {
		if _, err := env.Registry.Set(set); err != nil {
			t.Error(err)
		}
	}
	banks, _ := env.Registry.Set("accredited-banks")
	if !banks.Contains(env.Issuer) {
		t.Error("the demo issuer is not an accredited bank")
	}
	if strings.Contains(out, "setting up keys") {
		t.Error("set up keys that were there")
	}

	again, _, _, env2 := start(false)
	if env2.Issuer.Hex() != env.Issuer.Hex() || env2.Registry != nil || strings.Contains(again, "demo registry") {
		t.Fatalf("second start: %+v\n%s", env2, again)
	}
}

func TestSealKeyIsKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dev")
	a, err := devenv.SealKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := devenv.SealKey(dir)
	if err != nil || len(a) != 32 || !bytes.Equal(a, b) {
		t.Fatalf("%x %x %v", a, b, err)
	}
	if st, _ := os.Stat(filepath.Join(dir, devenv.SealKeyFile)); st.Mode().Perm() != 0o600 {
		t.Fatalf("seal key mode %v", st.Mode().Perm())
	}
}

// fakeManifest is a manifest that names a circuit and nothing real: enough
// for Setup to see the keys as present.
func fakeManifest(id string) []byte {
	data, _ := json.Marshal(keys.Manifest{Circuit: id, Setup: keys.SetupInfo{Kind: keys.SetupDevelopment}}) // a plain struct: no error
	return data
}
