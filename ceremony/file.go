package ceremony

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	"github.com/consensys/gnark-crypto/ecc"

	"github.com/tacit-zk/tacit/internal/name"
	"github.com/tacit-zk/tacit/internal/strictjson"
	"github.com/tacit-zk/tacit/keys"
)

// File names in a circuit's ceremony folder.
const (
	MetaFile = "ceremony.json"
	SealFile = "seal.json"
)

// magic is the first line of every step file.
const magic = "tacit-ceremony/v1\n"

// beaconName names the coordinator's step 0 of phase 2.
const beaconName = "beacon"

// MaxDomainSize bounds a ceremony's FFT domain (BN254's scalar field has
// 2^28-th roots of unity).
const MaxDomainSize = 1 << 28

// MinBeaconBytes is the shortest beacon accepted.
const MinBeaconBytes = 16

// maxHeader bounds the JSON header line of a step file.
const maxHeader = 4096

// maxJSONFile bounds ceremony.json and the seal file.
const maxJSONFile = 1 << 20

var stepFile = regexp.MustCompile(`^phase([12])-([0-9]{4})-([a-z0-9][a-z0-9._-]{0,31})\.bin$`)

// maxContributorName bounds contributor names.
const maxContributorName = 32

// startsAlphanumeric reports whether s starts with a-z or 0-9, so that a
// contributor's file name never starts with '.', '_' or '-'.
func startsAlphanumeric(s string) bool {
	return s != "" && (s[0] >= 'a' && s[0] <= 'z' || s[0] >= '0' && s[0] <= '9')
}

// ValidateName checks a contributor name: 1 to 32 characters of a-z, 0-9,
// '.', '_' and '-', starting with a letter or digit. It becomes part of a
// file name.
func ValidateName(s string) error {
	if !name.Valid(s, maxContributorName) || !startsAlphanumeric(s) {
		return fmt.Errorf("ceremony: contributor name %q must be 1 to 32 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit", s)
	}
	return nil
}

// Meta is ceremony.json: what the ceremony is for.
type Meta struct {
	Version                int    `json:"version"`
	Circuit                string `json:"circuit"`
	Gnark                  string `json:"gnark"`
	Constraints            int    `json:"constraints"`
	ConstraintSystemDigest string `json:"constraintSystemDigest"`
	DomainSize             uint64 `json:"domainSize"`
}

// header is the JSON line after the magic line of a step file.
type header struct {
	Circuit  string `json:"circuit"`
	Phase    int    `json:"phase"`
	Index    int    `json:"index"`
	Name     string `json:"name"`
	Previous string `json:"previous"` // sha256 of the previous file of the transcript
	Beacon   string `json:"beacon"`   // hex; phase 2 step 0 only, empty otherwise
}

// SealRecord is seal.json: the final beacon.
type SealRecord struct {
	Version  int    `json:"version"`
	Circuit  string `json:"circuit"`
	Beacon   string `json:"beacon"`   // hex
	Previous string `json:"previous"` // sha256 of the last phase 2 file
}

// Step is one file of a transcript.
type Step struct {
	Phase int    // 1 or 2; 0 for ceremony.json, 3 for seal.json
	Index int    // 1.. for contributions; 0 for phase 2's starting point
	Name  string // contributor name, "beacon" for phase 2 step 0
	File  string // base name
	Hash  string // sha256 of the file, hex
}

func (s Step) String() string {
	switch s.Phase {
	case 0:
		return s.File
	case 3:
		return "seal (" + s.File + ")"
	}
	if s.File == "" {
		return fmt.Sprintf("phase %d step %d", s.Phase, s.Index)
	}
	return fmt.Sprintf("phase %d step %d (%s, %s)", s.Phase, s.Index, s.Name, s.File)
}

func stepName(phase, index int, name string) string {
	return fmt.Sprintf("phase%d-%04d-%s.bin", phase, index, name)
}

// ErrInvalid is wrapped by every verification failure of a transcript.
var ErrInvalid = errors.New("ceremony: invalid transcript")

// StepError names the step of a transcript that failed.
type StepError struct {
	Circuit string
	Step    Step
	Err     error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("ceremony: %s: %s: %v", e.Circuit, e.Step, e.Err)
}

// Unwrap returns ErrInvalid and the cause.
func (e *StepError) Unwrap() []error { return []error{ErrInvalid, e.Err} }

// listing is the files of a circuit's ceremony folder, in transcript order.
type listing struct {
	phase1 []Step
	phase2 []Step // phase2[0] is the beacon step when present
	sealed bool
}

// list reads a circuit folder. Strict, it checks that the step files are
// numbered 1, 2, ... in phase 1 and 0, 1, ... in phase 2, without gaps or
// duplicates; a contributor needs only ceremony.json and the latest file.
// Files that match no step pattern are ignored.
func list(folder, id string, strict bool) (*listing, error) {
	entries, err := os.ReadDir(folder)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("ceremony: no ceremony for %s in %s (run `tacit ceremony init`)", id, filepath.Dir(folder))
	}
	if err != nil {
		return nil, fmt.Errorf("ceremony: %w", err)
	}
	l := &listing{}
	hasMeta := false
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == MetaFile:
			hasMeta = true
		case name == SealFile:
			l.sealed = true
		default:
			m := stepFile.FindStringSubmatch(name)
			if m == nil {
				continue
			}
			phase, _ := strconv.Atoi(m[1])
			index, _ := strconv.Atoi(m[2])
			s := Step{Phase: phase, Index: index, Name: m[3], File: name}
			if phase == 1 {
				l.phase1 = append(l.phase1, s)
			} else {
				l.phase2 = append(l.phase2, s)
			}
		}
	}
	if !hasMeta {
		return nil, fmt.Errorf("ceremony: %s: no %s in %s", id, MetaFile, folder)
	}
	for _, steps := range [][]Step{l.phase1, l.phase2} {
		sort.Slice(steps, func(i, j int) bool { return steps[i].File < steps[j].File })
	}
	if !strict {
		return l, nil
	}
	check := func(steps []Step, first int) error {
		for i, s := range steps {
			want := first + i
			if s.Index == want {
				continue
			}
			missing := Step{Phase: s.Phase, Index: want}
			if s.Index < want {
				return &StepError{id, s, fmt.Errorf("a second file for step %d", s.Index)}
			}
			return &StepError{id, missing, fmt.Errorf("step %d is missing: the next file is %s", want, s.File)}
		}
		return nil
	}
	if err := check(l.phase1, 1); err != nil {
		return nil, err
	}
	if err := check(l.phase2, 0); err != nil {
		return nil, err
	}
	if len(l.phase2) > 0 && l.phase2[0].Name != beaconName {
		return nil, &StepError{id, l.phase2[0], fmt.Errorf("step 0 of phase 2 must be named %q", beaconName)}
	}
	if l.sealed && len(l.phase2) == 0 {
		return nil, &StepError{id, Step{Phase: 3, File: SealFile}, errors.New("sealed before phase 2 started")}
	}
	return l, nil
}

// next returns the phase and index of the next contribution, and the
// latest step file (nil if there is none yet).
func (l *listing) next() (phase, index int, prev *Step) {
	if n := len(l.phase2); n > 0 {
		return 2, l.phase2[n-1].Index + 1, &l.phase2[n-1]
	}
	if n := len(l.phase1); n > 0 {
		return 1, l.phase1[n-1].Index + 1, &l.phase1[n-1]
	}
	return 1, 1, nil
}

// readMeta reads ceremony.json strictly.
func readMeta(folder string) (*Meta, []byte, error) {
	data, err := strictjson.ReadFile(filepath.Join(folder, MetaFile), maxJSONFile)
	if err != nil {
		return nil, nil, fmt.Errorf("ceremony: %w", err)
	}
	var m Meta
	if err := strictjson.Decode(data, &m, MetaFile); err != nil {
		return nil, nil, fmt.Errorf("ceremony: %w", err)
	}
	// Bound the sizes before anything is allocated from them.
	if m.Constraints < 1 || m.DomainSize > MaxDomainSize || m.DomainSize != ecc.NextPowerOfTwo(uint64(m.Constraints)) {
		return nil, nil, fmt.Errorf("ceremony: %s: %d constraints and domain size %d do not fit (at most %d)", MetaFile, m.Constraints, m.DomainSize, MaxDomainSize)
	}
	return &m, data, nil
}

// encodeStep writes a step file: the magic line, the header line, the body.
func encodeStep(h header, body []byte) ([]byte, error) {
	hb, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(magic)+len(hb)+1+len(body))
	out = append(out, magic...)
	out = append(out, hb...)
	out = append(out, '\n')
	return append(out, body...), nil
}

// decodeStep splits a step file into its header and body.
func decodeStep(data []byte) (header, []byte, error) {
	var h header
	rest, ok := bytes.CutPrefix(data, []byte(magic))
	if !ok {
		return h, nil, errors.New("not a tacit ceremony file (bad first line)")
	}
	line, body, ok := bytes.Cut(rest, []byte{'\n'})
	if !ok || len(line) > maxHeader {
		return h, nil, errors.New("missing or oversized header line")
	}
	if err := strictjson.Decode(line, &h, "header"); err != nil {
		return h, nil, err
	}
	return h, body, nil
}

// checkHeader compares a step file's header with its name and place.
func checkHeader(h header, id string, s Step, previous string) error {
	switch {
	case h.Circuit != id:
		return fmt.Errorf("header is for circuit %q", h.Circuit)
	case h.Phase != s.Phase || h.Index != s.Index:
		return fmt.Errorf("file name says phase %d step %d, header says phase %d step %d (reordered?)", s.Phase, s.Index, h.Phase, h.Index)
	case h.Name != s.Name:
		return fmt.Errorf("file name says contributor %q, header says %q", s.Name, h.Name)
	case h.Previous != previous:
		return fmt.Errorf("does not follow the previous file (its header names sha256 %s, the previous file has %s): a step was skipped, reordered or changed", short(h.Previous), short(previous))
	}
	return nil
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// writeSections writes each part with a big-endian uint64 length prefix.
func writeSections(w io.Writer, parts ...[]byte) error {
	for _, p := range parts {
		if err := binary.Write(w, binary.BigEndian, uint64(len(p))); err != nil {
			return err
		}
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// readSections splits body into exactly n length-prefixed parts.
func readSections(body []byte, n int) ([][]byte, error) {
	out := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		if len(body) < 8 {
			return nil, fmt.Errorf("section %d: truncated", i+1)
		}
		size := binary.BigEndian.Uint64(body)
		body = body[8:]
		if size > uint64(len(body)) {
			return nil, fmt.Errorf("section %d: truncated", i+1)
		}
		out = append(out, body[:size])
		body = body[size:]
	}
	if len(body) != 0 {
		return nil, fmt.Errorf("%d trailing bytes", len(body))
	}
	return out, nil
}

// readExact decodes data into r and requires every byte to be consumed.
func readExact(r io.ReaderFrom, data []byte) error {
	br := bufio.NewReaderSize(bytes.NewReader(data), 1<<16)
	n, err := r.ReadFrom(br)
	if err != nil {
		return fmt.Errorf("decoding: %w", err)
	}
	if n != int64(len(data)) {
		return fmt.Errorf("decoding: read %d of %d bytes", n, len(data))
	}
	return nil
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("ceremony: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("ceremony: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("ceremony: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("ceremony: %w", err)
	}
	// Link, not rename: two contributors racing for one step number must
	// not overwrite each other.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("ceremony: %s already exists (someone else took this step; start again from the latest file)", path)
		}
		return fmt.Errorf("ceremony: %w", err)
	}
	return nil
}

// folder returns a circuit's folder in a ceremony directory.
func folder(dir, id string) string { return filepath.Join(dir, keys.Folder(id)) }
