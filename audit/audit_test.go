package audit_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/logger"

	"github.com/tacit-zk/tacit/audit"
	"github.com/tacit-zk/tacit/ceremony"
	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/keys"
)

// toy is a small circuit with public inputs, standing in for a statement
// so that a whole ceremony takes a second.
type toy struct {
	X frontend.Variable `gnark:",public"`
	Y frontend.Variable `gnark:",public"`
	W frontend.Variable
}

func (c *toy) Define(api frontend.API) error {
	v := c.W
	for i := 0; i < 40; i++ {
		v = api.Mul(v, v, c.X)
	}
	api.AssertIsEqual(v, c.Y)
	return nil
}

// toyChanged has the same id and inputs and one more constraint: a circuit
// changed after its keys were made.
type toyChanged struct{ toy }

func (c *toyChanged) Define(api frontend.API) error {
	api.AssertIsDifferent(c.W, 0)
	return c.toy.Define(api)
}

const toyID = "test/toy"

var (
	toyInfo     = circuits.Info{ID: toyID, Description: "toy", New: func() frontend.Circuit { return &toy{} }}
	changedInfo = circuits.Info{ID: toyID, Description: "toy, changed", New: func() frontend.Circuit { return &toyChanged{} }}

	ceremonyDir string // a sealed toy ceremony
	sealedKeys  string // keys sealed from it
	devKeys     string // a development setup of the same circuit
	transcript  *ceremony.Result
)

func TestMain(m *testing.M) {
	logger.Disable()
	root, err := os.MkdirTemp("", "tacit-audit-")
	if err != nil {
		panic(err)
	}
	ceremonyDir, sealedKeys, devKeys = filepath.Join(root, "ceremony"), filepath.Join(root, "keys"), filepath.Join(root, "dev")
	if err := setUp(); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(root)
	os.Exit(code)
}

func setUp() error {
	ccs, err := circuits.Compile(toyInfo)
	if err != nil {
		return err
	}
	if _, err := ceremony.Init(ceremonyDir, toyID, ccs); err != nil {
		return err
	}
	beacon := []byte("beacon of at least sixteen bytes")
	for _, phase := range []int{1, 2} {
		for _, name := range []string{"alice", "bob", "carol"} {
			if _, err := ceremony.Contribute(ceremonyDir, toyID, name); err != nil {
				return err
			}
		}
		if phase == 1 {
			if _, err := ceremony.StartPhase2(ceremonyDir, toyID, ccs, beacon); err != nil {
				return err
			}
		}
	}
	if transcript, err = ceremony.Seal(ceremonyDir, toyID, ccs, beacon); err != nil {
		return err
	}
	if err := keys.Write(sealedKeys, toyID, ccs, transcript.ProvingKey, transcript.VerifyingKey, transcript.Setup()); err != nil {
		return err
	}
	pk, vk, err := groth16.Setup(ccs)
	if err != nil {
		return err
	}
	return keys.Write(devKeys, toyID, ccs, pk, vk, keys.SetupInfo{Kind: keys.SetupDevelopment, Warning: keys.DevelopmentWarning})
}

// verified returns the sealed transcript without verifying it again.
func verified(id string, ccs constraint.ConstraintSystem) (*ceremony.Result, error) {
	return transcript, nil
}

// fromCeremony verifies the transcript for real.
func fromCeremony(id string, ccs constraint.ConstraintSystem) (*ceremony.Result, error) {
	return ceremony.Verify(ceremonyDir, id, ccs)
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func toyFile(dir, name string) string { return filepath.Join(dir, keys.Folder(toyID), name) }

func patchManifest(t *testing.T, dir string, f func(*keys.Manifest)) {
	t.Helper()
	m, err := keys.ReadManifest(dir, toyID)
	if err != nil {
		t.Fatal(err)
	}
	f(m)
	data, _ := json.Marshal(m)
	if err := os.WriteFile(toyFile(dir, keys.ManifestFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) []byte {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return data
}

func auditKeys(t *testing.T, dir string, infos []circuits.Info, c audit.CeremonyFunc) *audit.Report {
	t.Helper()
	pub, err := audit.FromKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	return audit.Run(dir, pub, audit.Config{Circuits: infos, Ceremony: c})
}

// failed lists the failed checks' descriptions.
func failed(r *audit.Report) []string {
	var out []string
	for _, c := range r.Checks {
		if c.Err != nil && !c.Note {
			out = append(out, c.What+": "+c.Err.Error())
		}
	}
	return out
}

func wantFailures(t *testing.T, r *audit.Report, subs ...string) {
	t.Helper()
	got := failed(r)
	if len(got) != len(subs) {
		t.Fatalf("failed checks %q, want %d matching %q", got, len(subs), subs)
	}
	for i, s := range subs {
		if !strings.Contains(got[i], s) {
			t.Fatalf("failed check %q does not say %q (all: %q)", got[i], s, got)
		}
	}
	if (r.Err() == nil) != (len(subs) == 0) {
		t.Fatalf("Err() = %v with %d failed checks", r.Err(), len(got))
	}
}

func TestSealedKeysPassTheAudit(t *testing.T) {
	r := auditKeys(t, sealedKeys, []circuits.Info{toyInfo}, fromCeremony)
	wantFailures(t, r)
	var whats []string
	for _, c := range r.Checks {
		whats = append(whats, c.What)
	}
	all := strings.Join(whats, "\n")
	for _, want := range []string{"constraints, as compiled from source", "constraint-system digest", "fingerprint is the sha256",
		"proving key belongs to verifying key", "ceremony transcript verifies", "verifying key follows from the transcript",
		"names the transcript " + transcript.Transcript[:16], "phase1/alice, phase1/bob, phase1/carol, phase2/alice"} {
		if !strings.Contains(all, want) {
			t.Errorf("no check %q in\n%s", want, all)
		}
	}
}

func TestAuditFailures(t *testing.T) {
	other := func(name string) string { return toyFile(devKeys, name) }
	cases := []struct {
		name     string
		damage   func(t *testing.T, dir string)
		infos    []circuits.Info
		ceremony audit.CeremonyFunc
		want     []string
	}{
		{"verifying key from another setup", func(t *testing.T, dir string) {
			copyFile(t, other(keys.VerifyingFile), toyFile(dir, keys.VerifyingFile))
		}, nil, verified, []string{"fingerprint", "belongs to verifying key", "follows from the transcript"}},
		{"verifying key from another setup, manifest patched", func(t *testing.T, dir string) {
			data := copyFile(t, other(keys.VerifyingFile), toyFile(dir, keys.VerifyingFile))
			patchManifest(t, dir, func(m *keys.Manifest) { m.Files[keys.VerifyingFile] = keys.Fingerprint(data) })
		}, nil, verified, []string{"belongs to verifying key", "follows from the transcript"}},
		{"both keys from another setup, manifest patched", func(t *testing.T, dir string) {
			vk := copyFile(t, other(keys.VerifyingFile), toyFile(dir, keys.VerifyingFile))
			pk := copyFile(t, other(keys.ProvingFile), toyFile(dir, keys.ProvingFile))
			patchManifest(t, dir, func(m *keys.Manifest) {
				m.Files[keys.VerifyingFile], m.Files[keys.ProvingFile] = keys.Fingerprint(vk), keys.Fingerprint(pk)
			})
		}, nil, verified, []string{"follows from the transcript"}},
		{"manifest digest changed", func(t *testing.T, dir string) {
			patchManifest(t, dir, func(m *keys.Manifest) { m.ConstraintSystemDigest = strings.Repeat("ab", 32) })
		}, nil, verified, []string{"digest"}},
		{"manifest constraint count changed", func(t *testing.T, dir string) {
			patchManifest(t, dir, func(m *keys.Manifest) { m.Constraints++ })
		}, nil, verified, []string{"constraints"}},
		{"circuit changed in the source", func(t *testing.T, dir string) {},
			[]circuits.Info{changedInfo}, fromCeremony, []string{"constraints", "digest", "circuit.ccs", "ceremony transcript verifies"}},
		{"transcript hash not the one verified", func(t *testing.T, dir string) {
			patchManifest(t, dir, func(m *keys.Manifest) { m.Setup.Transcript = strings.Repeat("0", 64) })
		}, nil, verified, []string{"names the transcript"}},
		{"contributors not the transcript's", func(t *testing.T, dir string) {
			patchManifest(t, dir, func(m *keys.Manifest) { m.Setup.Contributors = m.Setup.Contributors[1:] })
		}, nil, verified, []string{"names the contributors"}},
		{"missing circuit", func(t *testing.T, dir string) {
			os.RemoveAll(filepath.Join(dir, keys.Folder(toyID)))
		}, nil, verified, []string{"is published"}},
		{"unknown circuit", func(t *testing.T, dir string) {
			os.MkdirAll(filepath.Join(dir, "mystery-v1"), 0o755)
		}, nil, verified, []string{"is a known circuit"}},
		{"corrupt manifest", func(t *testing.T, dir string) {
			os.WriteFile(toyFile(dir, keys.ManifestFile), []byte("{"), 0o644)
		}, nil, verified, []string{"manifest"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, sealedKeys)
			tc.damage(t, dir)
			infos := tc.infos
			if infos == nil {
				infos = []circuits.Info{toyInfo}
			}
			wantFailures(t, auditKeys(t, dir, infos, tc.ceremony), tc.want...)
		})
	}
}

// TestCorruptFilesFailTheAudit flips one bit in each key file: the
// fingerprints in the manifest catch it (and a flipped verifying key may
// also fail to parse, depending on the bit).
func TestCorruptFilesFailTheAudit(t *testing.T) {
	for name, want := range map[string]string{
		keys.CircuitFile:   "circuit.ccs and proving.key match the manifest",
		keys.ProvingFile:   "circuit.ccs and proving.key match the manifest",
		keys.VerifyingFile: "verifying-key fingerprint is the sha256 of its bytes",
	} {
		t.Run(name, func(t *testing.T) {
			dir := copyDir(t, devKeys)
			data, err := os.ReadFile(toyFile(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			data[len(data)/2] ^= 1
			if err := os.WriteFile(toyFile(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
			r := auditKeys(t, dir, []circuits.Info{toyInfo}, nil)
			got := failed(r)
			if r.Err() == nil || !slices.ContainsFunc(got, func(f string) bool { return strings.HasPrefix(f, want) }) {
				t.Fatalf("failed checks %q, want one for %q", got, want)
			}
		})
	}
}

// TestUnauditedCircuitsAreNoted: a circuit asked for but not published, or
// a registered circuit published but not asked for, is noted, not failed.
func TestUnauditedCircuitsAreNoted(t *testing.T) {
	absent := circuits.Info{ID: "test/absent", Description: "no keys", New: toyInfo.New}
	dir := copyDir(t, devKeys)
	registered := keys.Folder(circuits.All()[0].ID)
	if err := os.MkdirAll(filepath.Join(dir, registered), 0o755); err != nil {
		t.Fatal(err)
	}
	r := auditKeys(t, dir, []circuits.Info{toyInfo, absent}, nil)
	wantFailures(t, r)
	var notes []string
	for _, c := range r.Checks {
		if c.Note {
			notes = append(notes, c.Circuit+": "+c.What)
		}
	}
	all := strings.Join(notes, "\n")
	for _, want := range []string{"test/absent: not published by " + dir, registered + ": published by " + dir + "; not selected"} {
		if !strings.Contains(all, want) {
			t.Errorf("no note %q in\n%s", want, all)
		}
	}
}

func TestDevelopmentKeysAreNoted(t *testing.T) {
	r := auditKeys(t, devKeys, []circuits.Info{toyInfo}, nil)
	wantFailures(t, r)
	noted := false
	for _, c := range r.Checks {
		noted = noted || (c.Note && strings.Contains(c.What, "can forge proofs"))
	}
	if !noted {
		t.Fatalf("no note about the development setup: %+v", r.Checks)
	}
	// With a ceremony, development keys fail: they follow from no transcript.
	wantFailures(t, auditKeys(t, devKeys, []circuits.Info{toyInfo}, verified), "follows from the transcript", "names the transcript", "names the contributors")
}

// circuitsJSON is the server's /v1/circuits shape (server/handlers.go).
func circuitsJSON(t *testing.T, dir string, encode func([]byte) string, edit func(map[string]any)) []byte {
	t.Helper()
	m, err := keys.ReadManifest(dir, toyID)
	if err != nil {
		t.Fatal(err)
	}
	vk, _ := os.ReadFile(toyFile(dir, keys.VerifyingFile))
	entry := map[string]any{
		"id": toyID, "description": "toy", "publicInputs": []any{}, "constraints": m.Constraints,
		"constraintSystemDigest": m.ConstraintSystemDigest,
		"verifyingKey":           map[string]any{"fingerprint": m.Files[keys.VerifyingFile], "data": encode(vk)},
		"setup":                  m.Setup,
		"someFutureField":        true,
	}
	if edit != nil {
		edit(entry)
	}
	data, _ := json.Marshal([]any{entry})
	return data
}

func serve(t *testing.T, body []byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/circuits" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer auditor-key" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestServerAudit(t *testing.T) {
	cases := []struct {
		name   string
		encode func([]byte) string
		edit   func(map[string]any)
		want   []string
	}{
		{"base64", base64.StdEncoding.EncodeToString, nil, nil},
		{"hex", hex.EncodeToString, nil, nil},
		{"raw url base64", base64.RawURLEncoding.EncodeToString, nil, nil},
		{"wrong fingerprint", base64.StdEncoding.EncodeToString, func(e map[string]any) {
			e["verifyingKey"].(map[string]any)["fingerprint"] = strings.Repeat("0", 64)
		}, []string{"fingerprint"}},
		{"changed constraint count", base64.StdEncoding.EncodeToString, func(e map[string]any) { e["constraints"] = 1 }, []string{"constraints"}},
		{"another verifying key", base64.StdEncoding.EncodeToString, func(e map[string]any) {
			vk, _ := os.ReadFile(toyFile(devKeys, keys.VerifyingFile))
			e["verifyingKey"] = map[string]any{"fingerprint": keys.Fingerprint(vk), "data": base64.StdEncoding.EncodeToString(vk)}
		}, []string{"follows from the transcript"}},
		{"no setup", base64.StdEncoding.EncodeToString, func(e map[string]any) { delete(e, "setup") }, []string{"setup"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, circuitsJSON(t, sealedKeys, tc.encode, tc.edit))
			pub, err := audit.FromServer(context.Background(), srv.Client(), srv.URL+"/", "auditor-key")
			if err != nil {
				t.Fatal(err)
			}
			wantFailures(t, audit.Run(srv.URL, pub, audit.Config{Circuits: []circuits.Info{toyInfo}, Ceremony: verified}), tc.want...)
		})
	}
	srv := serve(t, circuitsJSON(t, sealedKeys, hex.EncodeToString, nil))
	if _, err := audit.FromServer(context.Background(), srv.Client(), srv.URL, ""); err == nil || !strings.Contains(err.Error(), "API key") {
		t.Fatalf("without a key: %v", err)
	}
	for _, bad := range []string{`{"circuits":"x"}`, `[{"constraints":1}]`, `nope`} {
		if _, err := audit.ParseCircuits([]byte(bad)); err == nil {
			t.Errorf("ParseCircuits(%s) accepted", bad)
		}
	}
	wrapped := `{"circuits":` + string(circuitsJSON(t, sealedKeys, hex.EncodeToString, nil)) + `}`
	if pub, err := audit.ParseCircuits([]byte(wrapped)); err != nil || len(pub) != 1 {
		t.Fatalf("wrapped list: %v", err)
	}
}

func TestExplainAddsUp(t *testing.T) {
	info := circuits.All()[0]
	e, err := audit.Explain(info)
	if err != nil {
		t.Fatal(err)
	}
	ccs, err := circuits.Compile(info)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	byName := map[string]int{}
	for _, b := range e.Blocks {
		sum += b.Constraints
		byName[strings.Fields(b.Name)[0]] += b.Constraints
	}
	if sum != e.Constraints || e.Constraints != ccs.GetNbConstraints() {
		t.Fatalf("blocks sum to %d, explanation says %d, the circuit has %d", sum, e.Constraints, ccs.GetNbConstraints())
	}
	if !strings.HasPrefix(e.Blocks[0].Name, "signature") || 2*byName["signature"] < e.Constraints {
		t.Fatalf("the signature block does not dominate: %+v", e.Blocks)
	}
	for _, name := range []string{"hashing", "window", "bit"} {
		if byName[name] == 0 {
			t.Errorf("no %s block: %+v", name, e.Blocks)
		}
	}
	if 50*byName["other"] > e.Constraints {
		t.Errorf("more than 2%% of the constraints are unattributed: %+v", e.Blocks)
	}
}
