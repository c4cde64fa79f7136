package keys

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tacit-zk/tacit/internal/strictjson"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/constraint"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/internal/atomicfile"
)

// File names inside a circuit's folder.
const (
	CircuitFile   = "circuit.ccs"
	ProvingFile   = "proving.key"
	VerifyingFile = "verifying.key"
	ManifestFile  = "manifest.json"
)

// SetupDevelopment marks keys from Setup.
const SetupDevelopment = "development-single-party"

// SetupCeremony marks keys sealed by a multi-party ceremony (package
// ceremony); Setup never replaces them unless told to twice.
const SetupCeremony = "mpc-ceremony"

// DevelopmentWarning is printed by Setup and stored in its manifests.
const DevelopmentWarning = "single-party development setup: whoever ran it can forge proofs; use a multi-party ceremony for production"

// Errors callers branch on.
var (
	ErrFingerprint = errors.New("keys: file does not match its manifest fingerprint")
	ErrMissing     = errors.New("keys: missing key file")
	// ErrExists means a setup would replace keys and was not forced.
	ErrExists = errors.New("keys: the key directory already holds keys")
	// ErrCeremonyKeys means a setup would replace keys that are not a
	// development setup's (a ceremony's, or of an unknown kind).
	ErrCeremonyKeys = errors.New("keys: the key directory holds ceremony keys")
)

// SetupInfo says how the keys were made.
type SetupInfo struct {
	Kind         string   `json:"kind"`
	Warning      string   `json:"warning,omitempty"`
	Contributors []string `json:"contributors,omitempty"`
	Transcript   string   `json:"transcript,omitempty"`
}

// Manifest describes one circuit's artefacts.
type Manifest struct {
	Circuit                string            `json:"circuit"`
	Gnark                  string            `json:"gnark"`
	Curve                  string            `json:"curve"`
	Backend                string            `json:"backend"`
	Constraints            int               `json:"constraints"`
	PublicInputs           int               `json:"publicInputs"`
	ConstraintSystemDigest string            `json:"constraintSystemDigest"`
	Setup                  SetupInfo         `json:"setup"`
	Files                  map[string]string `json:"files"`
}

// Folder returns the folder name of a circuit id.
func Folder(id string) string { return strings.ReplaceAll(id, "/", "-") }

// Fingerprint is the hex sha256 of data.
func Fingerprint(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Setup compiles the circuits named by ids (every circuit if none) and runs
// a single-party Groth16 setup for each, writing each circuit's folder under
// dir. Progress and the development warning go to log.
func Setup(dir string, log io.Writer, ids ...string) error {
	selected, err := Select(ids...)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "WARNING: %s\n", DevelopmentWarning)
	for _, info := range selected {
		ccs, err := circuits.Compile(info)
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "%s: %d constraints, running Groth16 setup\n", info.ID, ccs.GetNbConstraints())
		pk, vk, err := groth16.Setup(ccs)
		if err != nil {
			return fmt.Errorf("keys: setup of %s: %w", info.ID, err)
		}
		if err := Write(dir, info.ID, ccs, pk, vk, SetupInfo{Kind: SetupDevelopment, Warning: DevelopmentWarning}); err != nil {
			return err
		}
		fmt.Fprintf(log, "%s: wrote %s\n", info.ID, filepath.Join(dir, Folder(info.ID)))
	}
	return nil
}

// Overwrite says what a setup may replace.
type Overwrite struct {
	// Force allows replacing development keys.
	Force bool
	// Ceremony also allows replacing ceremony keys (with Force).
	Ceremony bool
}

// CheckOverwrite reports whether setting up the circuits named by ids
// (every circuit if none) in dir would replace keys that ow does not allow
// replacing: ErrCeremonyKeys for keys a ceremony sealed (or whose manifest
// is unreadable or of another kind), else ErrExists for any existing keys.
func CheckOverwrite(dir string, ow Overwrite, ids ...string) error {
	selected, err := Select(ids...)
	if err != nil {
		return err
	}
	var existing, ceremony []string
	for _, info := range selected {
		folder := filepath.Join(dir, Folder(info.ID))
		if _, err := os.Stat(folder); errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return fmt.Errorf("keys: %w", err)
		}
		entries, err := os.ReadDir(folder)
		if err != nil {
			return fmt.Errorf("keys: %w", err)
		}
		if len(entries) == 0 {
			continue
		}
		existing = append(existing, info.ID)
		m, err := ReadManifest(dir, info.ID)
		if err != nil || m.Setup.Kind != SetupDevelopment {
			ceremony = append(ceremony, info.ID)
		}
	}
	switch {
	case len(ceremony) > 0 && !(ow.Force && ow.Ceremony):
		return fmt.Errorf("%w: %s in %s are not development keys (a ceremony sealed them, or their manifest is unreadable); a development setup would replace them with keys whose maker can forge proofs; pass --force --replace-ceremony-keys if that is really what you want", ErrCeremonyKeys, strings.Join(ceremony, ", "), dir)
	case len(existing) > 0 && !ow.Force:
		return fmt.Errorf("%w: %s in %s; pass --force to replace them (every proof made with the old keys stops verifying)", ErrExists, strings.Join(existing, ", "), dir)
	}
	return nil
}

// Select returns the circuits named by ids, or every circuit if none.
func Select(ids ...string) ([]circuits.Info, error) {
	if len(ids) == 0 {
		return circuits.All(), nil
	}
	var out []circuits.Info
	for _, id := range ids {
		info, err := circuits.Lookup(id)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// Write stores a circuit's artefacts and manifest.
func Write(dir, id string, ccs constraint.ConstraintSystem, pk groth16.ProvingKey, vk groth16.VerifyingKey, setup SetupInfo) error {
	folder := filepath.Join(dir, Folder(id))
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	var ccsBuf, pkBuf, vkBuf bytes.Buffer
	if _, err := ccs.WriteTo(&ccsBuf); err != nil {
		return fmt.Errorf("keys: serializing constraint system: %w", err)
	}
	if _, err := pk.WriteRawTo(&pkBuf); err != nil {
		return fmt.Errorf("keys: serializing proving key: %w", err)
	}
	if _, err := vk.WriteTo(&vkBuf); err != nil {
		return fmt.Errorf("keys: serializing verifying key: %w", err)
	}
	m := Manifest{
		Circuit: id, Gnark: circuits.GnarkVersion, Curve: "bn254", Backend: "groth16",
		Constraints: ccs.GetNbConstraints(), PublicInputs: ccs.GetNbPublicVariables() - 1,
		ConstraintSystemDigest: Fingerprint(ccsBuf.Bytes()),
		Setup:                  setup,
		Files: map[string]string{
			CircuitFile:   Fingerprint(ccsBuf.Bytes()),
			ProvingFile:   Fingerprint(pkBuf.Bytes()),
			VerifyingFile: Fingerprint(vkBuf.Bytes()),
		},
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{CircuitFile: ccsBuf.Bytes(), ProvingFile: pkBuf.Bytes(), VerifyingFile: vkBuf.Bytes(), ManifestFile: append(mb, '\n')} {
		if err := atomicfile.Write(filepath.Join(folder, name), data, 0o644); err != nil {
			return fmt.Errorf("keys: %w", err)
		}
	}
	return nil
}

// MaxManifestSize bounds a manifest file; a manifest is under 1 KB.
const MaxManifestSize = 64 << 10

// ReadManifest reads a circuit's manifest, strictly.
func ReadManifest(dir, id string) (*Manifest, error) {
	data, err := strictjson.ReadFile(filepath.Join(dir, Folder(id), ManifestFile), MaxManifestSize)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: no keys for %s in %s (run `tacit keys setup --dir %s`)", ErrMissing, id, dir, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	var m Manifest
	if err := strictjson.DecodeAt(data, &m, ""); err != nil {
		return nil, fmt.Errorf("keys: manifest of %s: %w", id, err)
	}
	if m.Circuit != id {
		return nil, fmt.Errorf("keys: manifest in %s is for %q, not %q", Folder(id), m.Circuit, id)
	}
	return &m, nil
}

// readChecked reads one artefact and checks it against the manifest.
func readChecked(dir string, m *Manifest, name string) ([]byte, error) {
	want, ok := m.Files[name]
	if !ok {
		return nil, fmt.Errorf("keys: manifest of %s lists no %s", m.Circuit, name)
	}
	data, err := os.ReadFile(filepath.Join(dir, Folder(m.Circuit), name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s of %s", ErrMissing, name, m.Circuit)
	}
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	if err := check(m, name, want, data); err != nil {
		return nil, err
	}
	return data, nil
}

// check compares an artefact's sha256 with the fingerprint want.
func check(m *Manifest, name, want string, data []byte) error {
	if got := Fingerprint(data); got != want {
		return fmt.Errorf("%w: %s of %s has sha256 %s, manifest says %s", ErrFingerprint, name, m.Circuit, got, want)
	}
	return nil
}

// Verifying is a loaded verifying key.
type Verifying struct {
	Manifest    *Manifest
	Key         groth16.VerifyingKey
	Fingerprint string // sha256 of verifying.key
	Data        []byte // verifying.key as stored
}

// LoadVerifying loads and checks a circuit's verifying key.
func LoadVerifying(dir, id string) (*Verifying, error) {
	m, err := ReadManifest(dir, id)
	if err != nil {
		return nil, err
	}
	data, err := readChecked(dir, m, VerifyingFile)
	if err != nil {
		return nil, err
	}
	vk := groth16.NewVerifyingKey(circuits.Curve)
	if err := readAll(vk, data); err != nil {
		return nil, fmt.Errorf("keys: verifying key of %s: %w", id, err)
	}
	return &Verifying{Manifest: m, Key: vk, Fingerprint: m.Files[VerifyingFile], Data: data}, nil
}

// Proving is a loaded proving key with its constraint system.
type Proving struct {
	Manifest *Manifest
	CCS      constraint.ConstraintSystem
	Key      groth16.ProvingKey
}

// LoadProving loads and checks a circuit's constraint system and proving
// key. Each file's sha256 is checked against the manifest before a byte of
// it is decoded; the two files are independent, so they are read, checked
// and decoded side by side.
//
// The proving key is decoded without gnark's subgroup checks
// (UnsafeReadFrom), which is safe because the fingerprint check already
// authenticated the bytes: see the package documentation.
func LoadProving(dir, id string) (*Proving, error) {
	m, err := ReadManifest(dir, id)
	if err != nil {
		return nil, err
	}
	type loaded struct {
		pk  groth16.ProvingKey
		err error
	}
	pk := make(chan loaded, 1)
	go func() {
		k, err := LoadProvingKey(dir, m)
		pk <- loaded{k, err}
	}()
	ccs, err := LoadConstraintSystem(dir, m)
	// The constraint system's error first, whatever finished first, so the
	// same damage always gives the same message.
	k := <-pk
	if err != nil {
		return nil, err
	}
	if k.err != nil {
		return nil, k.err
	}
	return &Proving{Manifest: m, CCS: ccs, Key: k.pk}, nil
}

// LoadConstraintSystem loads the constraint system of the circuit m
// describes, after checking its sha256 against m. With LoadProvingKey it is
// the half of LoadProving a prover can start solving with while the proving
// key is still decoding.
func LoadConstraintSystem(dir string, m *Manifest) (constraint.ConstraintSystem, error) {
	ccs := groth16.NewCS(circuits.Curve)
	if err := decodeChecked(dir, m, CircuitFile, "constraint system", func(data []byte) error { return readAll(ccs, data) }); err != nil {
		return nil, err
	}
	return ccs, nil
}

// LoadProvingKey loads the proving key of the circuit m describes, after
// checking its sha256 against m, without subgroup checks (see LoadProving).
func LoadProvingKey(dir string, m *Manifest) (groth16.ProvingKey, error) {
	pk := groth16.NewProvingKey(circuits.Curve)
	if err := decodeChecked(dir, m, ProvingFile, "proving key", func(data []byte) error {
		n, err := pk.UnsafeReadFrom(bytes.NewReader(data))
		return fullyRead(n, err, len(data))
	}); err != nil {
		return nil, err
	}
	return pk, nil
}

// ParseProving parses a circuit's constraint system and proving key held
// in memory (downloaded, say), each only after its sha256 matches the
// manifest's fingerprint; m.Files must name both. Like LoadProving it
// reads the proving key without subgroup checks, which the fingerprint
// makes safe.
func ParseProving(m *Manifest, ccsData, pkData []byte) (*Proving, error) {
	for _, name := range []string{CircuitFile, ProvingFile} {
		if _, ok := m.Files[name]; !ok {
			return nil, fmt.Errorf("keys: manifest of %s lists no %s", m.Circuit, name)
		}
	}
	if err := check(m, CircuitFile, m.Files[CircuitFile], ccsData); err != nil {
		return nil, err
	}
	if err := check(m, ProvingFile, m.Files[ProvingFile], pkData); err != nil {
		return nil, err
	}
	ccs := groth16.NewCS(circuits.Curve)
	if err := readAll(ccs, ccsData); err != nil {
		return nil, fmt.Errorf("keys: constraint system of %s: %w", m.Circuit, err)
	}
	pk := groth16.NewProvingKey(circuits.Curve)
	n, err := pk.UnsafeReadFrom(bytes.NewReader(pkData))
	if err := fullyRead(n, err, len(pkData)); err != nil {
		return nil, fmt.Errorf("keys: proving key of %s: %w", m.Circuit, err)
	}
	return &Proving{Manifest: m, CCS: ccs, Key: pk}, nil
}

// decodeChecked reads one artefact, checks it against the manifest and only
// then hands it to decode; what is a decode error names the artefact.
func decodeChecked(dir string, m *Manifest, name, what string, decode func([]byte) error) error {
	data, err := readChecked(dir, m, name)
	if err != nil {
		return err
	}
	if err := decode(data); err != nil {
		return fmt.Errorf("keys: %s of %s: %w", what, m.Circuit, err)
	}
	return nil
}

func readAll(r io.ReaderFrom, data []byte) error {
	n, err := r.ReadFrom(bytes.NewReader(data))
	return fullyRead(n, err, len(data))
}

// fullyRead is a decoder's error, or an error if it read n of size bytes.
func fullyRead(n int64, err error, size int) error {
	if err != nil {
		return err
	}
	if n != int64(size) {
		return fmt.Errorf("%d trailing bytes", int64(size)-n)
	}
	return nil
}

// Match checks that a proving key and a verifying key come from the same
// setup: they share [α]₁, [β]₁/[β]₂ and [δ]₂.
func Match(pk groth16.ProvingKey, vk groth16.VerifyingKey) error {
	p, ok1 := pk.(*groth16bn254.ProvingKey)
	v, ok2 := vk.(*groth16bn254.VerifyingKey)
	if !ok1 || !ok2 {
		return errors.New("keys: not BN254 keys")
	}
	if !p.G1.Alpha.Equal(&v.G1.Alpha) || !p.G1.Beta.Equal(&v.G1.Beta) || !p.G2.Beta.Equal(&v.G2.Beta) || !p.G2.Delta.Equal(&v.G2.Delta) || !p.G1.Delta.Equal(&v.G1.Delta) {
		return errors.New("keys: proving key and verifying key are from different setups")
	}
	return nil
}
