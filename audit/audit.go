package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/tacit-zk/tacit/internal/strictjson"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"

	"github.com/tacit-zk/tacit/ceremony"
	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/keys"
)

// Published is what a key directory or a server says about one circuit.
type Published struct {
	ID                     string
	Gnark                  string // empty if not published
	Constraints            int
	ConstraintSystemDigest string
	Fingerprint            string // claimed sha256 of VerifyingKey
	VerifyingKey           []byte // verifying.key as stored (gnark, compressed points)
	Setup                  *keys.SetupInfo
	// KeyDir is set for a key directory: its constraint system and proving
	// key are checked too.
	KeyDir string
}

// Check is one line of a report.
type Check struct {
	Circuit string
	What    string
	Err     error // nil: passed
	Note    bool  // information, neither passed nor failed
}

// Report is the outcome of Run.
type Report struct {
	Source string
	Checks []Check
}

// Failed counts the failed checks.
func (r *Report) Failed() int {
	n := 0
	for _, c := range r.Checks {
		if c.Err != nil && !c.Note {
			n++
		}
	}
	return n
}

// Err is nil if every check passed.
func (r *Report) Err() error {
	if n := r.Failed(); n > 0 {
		return fmt.Errorf("audit: %d check(s) failed", n)
	}
	return nil
}

func (r *Report) add(id, what string, err error) {
	r.Checks = append(r.Checks, Check{Circuit: id, What: what, Err: err})
}

func (r *Report) note(id, format string, args ...any) {
	r.Checks = append(r.Checks, Check{Circuit: id, What: fmt.Sprintf(format, args...), Note: true})
}

// CeremonyFunc verifies a circuit's ceremony transcript against the
// constraint system compiled from source (ceremony.Verify, typically).
type CeremonyFunc func(id string, ccs constraint.ConstraintSystem) (*ceremony.Result, error)

// Config says what to check against.
type Config struct {
	// Circuits are the statements to audit (default: circuits.All()).
	Circuits []circuits.Info
	// Ceremony, if set, checks that each verifying key follows from a
	// ceremony transcript.
	Ceremony CeremonyFunc
}

// FromKeys reads what a key directory publishes: every manifest and
// verifying key in it. A folder whose manifest cannot be read still
// appears, so that Run reports it.
func FromKeys(dir string) ([]Published, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	var out []Published
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		id := manifestCircuit(filepath.Join(dir, e.Name(), keys.ManifestFile))
		if id == "" || keys.Folder(id) != e.Name() {
			id = e.Name()
		}
		m, err := keys.ReadManifest(dir, id)
		if err != nil {
			out = append(out, Published{ID: id, KeyDir: dir})
			continue
		}
		vk, _ := os.ReadFile(filepath.Join(dir, keys.Folder(id), keys.VerifyingFile))
		setup := m.Setup
		out = append(out, Published{
			ID: m.Circuit, Gnark: m.Gnark, Constraints: m.Constraints, ConstraintSystemDigest: m.ConstraintSystemDigest,
			Fingerprint: m.Files[keys.VerifyingFile], VerifyingKey: vk, Setup: &setup, KeyDir: dir,
		})
	}
	return out, nil
}

// manifestCircuit returns the circuit id a manifest names, or "".
func manifestCircuit(path string) string {
	data, err := strictjson.ReadFile(path, keys.MaxManifestSize)
	if err != nil {
		return ""
	}
	var m struct {
		Circuit string `json:"circuit"`
	}
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	return m.Circuit
}

// Run checks pub against the circuits compiled from source.
func Run(source string, pub []Published, cfg Config) *Report {
	r := &Report{Source: source}
	list := cfg.Circuits
	if list == nil {
		list = circuits.All()
	}
	pub = append([]Published(nil), pub...)
	byID := map[string]Published{}
	for i, p := range pub {
		// A broken key folder is known only by its folder name.
		for _, info := range list {
			if p.ID != info.ID && p.ID == keys.Folder(info.ID) {
				pub[i].ID = info.ID
			}
		}
		byID[pub[i].ID] = pub[i]
	}
	for _, p := range pub {
		switch {
		case slices.ContainsFunc(list, func(i circuits.Info) bool { return i.ID == p.ID }):
		case registered(p.ID):
			r.note(p.ID, "published by %s; not selected, not audited", source)
		default:
			r.add(p.ID, "is a known circuit", fmt.Errorf("no circuit %q in this source tree", p.ID))
		}
	}
	audited := 0
	for _, info := range list {
		p, ok := byID[info.ID]
		if !ok {
			r.note(info.ID, "not published by %s; not audited", source)
			continue
		}
		audit(r, info, p, cfg)
		audited++
	}
	if audited == 0 {
		r.add("", "is published", fmt.Errorf("%s publishes none of the circuits audited", source))
	}
	return r
}

// registered reports whether id (or its folder name) is a circuit of this
// source tree.
func registered(id string) bool {
	return slices.ContainsFunc(circuits.All(), func(i circuits.Info) bool { return i.ID == id || keys.Folder(i.ID) == id })
}

func audit(r *Report, info circuits.Info, p Published, cfg Config) {
	id := info.ID
	ccs, err := circuits.Compile(info)
	if err != nil {
		r.add(id, "compiles from source", err)
		return
	}
	digest, err := circuits.Digest(ccs)
	if err != nil {
		r.add(id, "compiles from source", err)
		return
	}
	if p.KeyDir != "" && p.Fingerprint == "" {
		_, err := keys.ReadManifest(p.KeyDir, id)
		r.add(id, "manifest", err)
		return
	}
	if p.Gnark != "" {
		r.add(id, "gnark version "+circuits.GnarkVersion, expect(p.Gnark == circuits.GnarkVersion, "published %s", p.Gnark))
	}
	n := ccs.GetNbConstraints()
	r.add(id, fmt.Sprintf("%d constraints, as compiled from source", n), expect(p.Constraints == n, "published %d", p.Constraints))
	r.add(id, "constraint-system digest "+short(digest)+" matches source", expect(p.ConstraintSystemDigest == digest, "published %s", p.ConstraintSystemDigest))
	r.add(id, "verifying-key fingerprint is the sha256 of its bytes", expect(len(p.VerifyingKey) > 0 && keys.Fingerprint(p.VerifyingKey) == p.Fingerprint,
		"published %s, the bytes hash to %s", p.Fingerprint, keys.Fingerprint(p.VerifyingKey)))
	vk := groth16.NewVerifyingKey(circuits.Curve)
	nr, perr := vk.ReadFrom(bytes.NewReader(p.VerifyingKey))
	if perr == nil && nr != int64(len(p.VerifyingKey)) {
		perr = fmt.Errorf("%d trailing bytes", int64(len(p.VerifyingKey))-nr)
	}
	if perr == nil && vk.NbPublicWitness() != ccs.GetNbPublicVariables()-1 {
		perr = fmt.Errorf("%d public inputs, the circuit has %d", vk.NbPublicWitness(), ccs.GetNbPublicVariables()-1)
	}
	r.add(id, "verifying key parses, with the circuit's public inputs", perr)

	if p.KeyDir != "" {
		pk, err := keys.LoadProving(p.KeyDir, id)
		if err == nil && pk.Manifest.Files[keys.CircuitFile] != digest {
			err = fmt.Errorf("circuit.ccs has sha256 %s, source gives %s", pk.Manifest.Files[keys.CircuitFile], digest)
		}
		r.add(id, "circuit.ccs and proving.key match the manifest and the source", err)
		if err == nil && perr == nil {
			r.add(id, "proving key belongs to verifying key", keys.Match(pk.Key, vk))
		}
	}

	if cfg.Ceremony == nil {
		switch {
		case p.Setup == nil:
			r.note(id, "setup: not published; not checked (pass a ceremony transcript)")
		case p.Setup.Kind == keys.SetupDevelopment:
			r.note(id, "setup: %s: whoever ran it can forge proofs; keys alone cannot show otherwise", p.Setup.Kind)
		default:
			r.note(id, "setup: %s, transcript %s; not checked (pass the ceremony transcript)", p.Setup.Kind, p.Setup.Transcript)
		}
		return
	}
	res, err := cfg.Ceremony(id, ccs)
	if err == nil && !res.Sealed {
		err = fmt.Errorf("the ceremony of %s is not sealed", id)
	}
	r.add(id, "ceremony transcript verifies for the constraint system compiled from source", err)
	if err != nil {
		return
	}
	var want bytes.Buffer
	if _, err := res.VerifyingKey.WriteTo(&want); err != nil {
		r.add(id, "verifying key follows from the transcript and its beacon", err)
		return
	}
	r.add(id, "verifying key follows from the transcript and its beacon", expect(bytes.Equal(want.Bytes(), p.VerifyingKey),
		"the transcript gives verifying key %s, published %s", short(keys.Fingerprint(want.Bytes())), short(keys.Fingerprint(p.VerifyingKey))))
	if p.Setup == nil {
		r.add(id, "published setup names the transcript", fmt.Errorf("no setup published; the transcript is %s", res.Transcript))
		return
	}
	r.add(id, "published setup names the transcript "+short(res.Transcript), expect(p.Setup.Kind == ceremony.Kind && p.Setup.Transcript == res.Transcript,
		"published %s %q", p.Setup.Kind, p.Setup.Transcript))
	r.add(id, "published setup names the contributors: "+strings.Join(res.Contributors, ", "), expect(slices.Equal(p.Setup.Contributors, res.Contributors),
		"published %v", p.Setup.Contributors))
}

func expect(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}
