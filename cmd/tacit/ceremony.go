package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"strings"

	"github.com/consensys/gnark/constraint"

	"github.com/tacit-zk/tacit/ceremony"
	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/keys"
)

// The ceremony's order: init; contribute (phase 1, any number of
// parties); phase2 (coordinator, with a beacon); contribute (phase 2);
// verify; seal (coordinator, with a second beacon).
func init() {
	register("ceremony init", "start a multi-party setup ceremony (then: contribute, phase2, contribute, verify, seal)", ceremonyInit)
	register("ceremony contribute", "add your contribution to the open phase of a ceremony", ceremonyContribute)
	register("ceremony phase2", "close phase 1 with a public random beacon and start phase 2 (coordinator)", ceremonyPhase2)
	register("ceremony verify", "check a ceremony's whole transcript and print its hash", ceremonyVerify)
	register("ceremony seal", "close phase 2 with a public random beacon and write the keys (coordinator)", ceremonySeal)
}

// ceremonyCircuits resolves --circuit: one id, or "all". For an existing
// ceremony, "all" means every registered circuit with a folder in dir.
func ceremonyCircuits(dir, sel string, existing bool) ([]circuits.Info, error) {
	if sel != "all" {
		info, err := lookupCircuit(sel)
		if err != nil {
			return nil, err
		}
		return []circuits.Info{info}, nil
	}
	if !existing {
		return circuits.All(), nil
	}
	var out []circuits.Info
	for _, info := range circuits.All() {
		if st, err := os.Stat(filepath.Join(dir, keys.Folder(info.ID))); err == nil && st.IsDir() {
			out = append(out, info)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no ceremony in %s (run `tacit ceremony init --dir %s`)", dir, dir)
	}
	return out, nil
}

// eachCircuit compiles every selected circuit of an existing ceremony and
// runs f on it.
func eachCircuit(dir, sel string, f func(info circuits.Info, ccs constraint.ConstraintSystem) error) error {
	list, err := ceremonyCircuits(dir, sel, true)
	if err != nil {
		return err
	}
	for _, info := range list {
		ccs, err := circuits.Compile(info)
		if err != nil {
			return err
		}
		if err := f(info, ccs); err != nil {
			return err
		}
	}
	return nil
}

func ceremonyInit(e *env, args []string) error {
	fs := e.flags("ceremony init")
	dir := fs.String("dir", "", "ceremony directory to create")
	sel := fs.String("circuit", "all", "circuit id, or all")
	if err := parse(fs, args, "dir"); err != nil {
		return err
	}
	list, err := ceremonyCircuits(*dir, *sel, false)
	if err != nil {
		return err
	}
	for _, info := range list {
		ccs, err := circuits.Compile(info)
		if err != nil {
			return err
		}
		m, err := ceremony.Init(*dir, info.ID, ccs)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: %d constraints, phase 1 of size 2^%d; wrote %s\n", info.ID, m.Constraints, bits.TrailingZeros64(m.DomainSize),
			filepath.Join(*dir, keys.Folder(info.ID), ceremony.MetaFile))
	}
	fmt.Fprintf(e.stdout, "next: each contributor runs `tacit ceremony contribute --dir %s --name <name>` in turn\n", *dir)
	return nil
}

func ceremonyContribute(e *env, args []string) error {
	fs := e.flags("ceremony contribute")
	dir := fs.String("dir", "", "ceremony directory (it needs ceremony.json and the latest file of each circuit)")
	name := fs.String("name", "", "your name in the transcript: a-z, 0-9, '.', '_', '-'")
	sel := fs.String("circuit", "all", "circuit id, or all")
	if err := parse(fs, args, "dir", "name"); err != nil {
		return err
	}
	if err := ceremony.ValidateName(*name); err != nil {
		return err
	}
	list, err := ceremonyCircuits(*dir, *sel, true)
	if err != nil {
		return err
	}
	for _, info := range list {
		s, err := ceremony.Contribute(*dir, info.ID, *name, ceremony.WithLog(e.stderr))
		if err != nil {
			return err
		}
		path := filepath.Join(*dir, keys.Folder(info.ID), s.File)
		size := int64(0)
		if st, err := os.Stat(path); err == nil {
			size = st.Size()
		}
		fmt.Fprintf(e.stdout, "%s: wrote %s (%s)\n  sha256 %s\n", info.ID, path, megabytes(size), s.Hash)
	}
	fmt.Fprintln(e.stdout, "publish the sha256 above; check that it appears in the final `tacit ceremony verify` listing. Pass the new file(s) on to the next contributor or the coordinator.")
	return nil
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func ceremonyPhase2(e *env, args []string) error {
	fs := e.flags("ceremony phase2")
	dir := fs.String("dir", "", "ceremony directory with all of phase 1")
	beaconHex := fs.String("beacon", "", "public random beacon, hex (at least 16 bytes), unknown until after the last phase 1 contribution")
	sel := fs.String("circuit", "all", "circuit id, or all")
	if err := parse(fs, args, "dir", "beacon"); err != nil {
		return err
	}
	beacon, err := ceremony.ParseBeacon(*beaconHex)
	if err != nil {
		return err
	}
	err = eachCircuit(*dir, *sel, func(info circuits.Info, ccs constraint.ConstraintSystem) error {
		s, err := ceremony.StartPhase2(*dir, info.ID, ccs, beacon, ceremony.WithLog(e.stderr))
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: phase 1 verified and sealed; wrote %s\n  sha256 %s\n", info.ID, filepath.Join(*dir, keys.Folder(info.ID), s.File), s.Hash)
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "next: phase 2 contributions, `tacit ceremony contribute --dir %s --name <name>`\n", *dir)
	return nil
}

func ceremonyVerify(e *env, args []string) error {
	fs := e.flags("ceremony verify")
	dir := fs.String("dir", "", "ceremony directory")
	sel := fs.String("circuit", "all", "circuit id, or all")
	recompute := fs.Bool("recompute", false, "redo the coordinator's steps with gnark instead of checking them (slow)")
	if err := parse(fs, args, "dir"); err != nil {
		return err
	}
	opts := []ceremony.Option{ceremony.WithLog(e.stderr)}
	if *recompute {
		opts = append(opts, ceremony.WithRecompute())
	}
	return eachCircuit(*dir, *sel, func(info circuits.Info, ccs constraint.ConstraintSystem) error {
		res, err := ceremony.Verify(*dir, info.ID, ccs, opts...)
		if err != nil {
			return err
		}
		return printTranscript(e, res)
	})
}

func printTranscript(e *env, res *ceremony.Result) error {
	state := "phase 1 open"
	switch {
	case res.Sealed:
		state = "sealed"
	case len(res.Steps) > 0 && res.Steps[len(res.Steps)-1].Phase == 2:
		state = "phase 2 open"
	}
	fmt.Fprintf(e.stdout, "%s: transcript verified (%s)\n", res.Circuit, state)
	for _, s := range res.Steps {
		fmt.Fprintf(e.stdout, "  ok  %s\n", s)
	}
	fmt.Fprintf(e.stdout, "  contributors: %s\n", strings.Join(res.Contributors, ", "))
	for _, b := range []struct{ phase, hex string }{{"1", res.Phase1Beacon}, {"2", res.Phase2Beacon}} {
		if b.hex == "" {
			b.hex = "(phase " + b.phase + " not closed yet)"
		}
		fmt.Fprintf(e.stdout, "  phase %s beacon: %s\n", b.phase, b.hex)
	}
	fmt.Fprintf(e.stdout, "  listing (sha256sum format):\n")
	for _, line := range strings.Split(strings.TrimSuffix(res.Listing, "\n"), "\n") {
		fmt.Fprintf(e.stdout, "    %s\n", line)
	}
	fmt.Fprintf(e.stdout, "  transcript sha256: %s\n", res.Transcript)
	if res.VerifyingKey != nil {
		data, err := vkData(res)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "  verifying key sha256: %s\n", keys.Fingerprint(data))
	}
	return nil
}

func ceremonySeal(e *env, args []string) error {
	fs := e.flags("ceremony seal")
	dir := fs.String("dir", "", "ceremony directory with the whole transcript")
	beaconHex := fs.String("beacon", "", "public random beacon, hex (at least 16 bytes), unknown until after the last phase 2 contribution")
	out := fs.String("out", "", "key directory to write")
	sel := fs.String("circuit", "all", "circuit id, or all")
	if err := parse(fs, args, "dir", "beacon", "out"); err != nil {
		return err
	}
	beacon, err := ceremony.ParseBeacon(*beaconHex)
	if err != nil {
		return err
	}
	return eachCircuit(*dir, *sel, func(info circuits.Info, ccs constraint.ConstraintSystem) error {
		res, err := ceremony.Seal(*dir, info.ID, ccs, beacon, ceremony.WithLog(e.stderr))
		if err != nil {
			return err
		}
		if err := keys.Write(*out, info.ID, ccs, res.ProvingKey, res.VerifyingKey, res.Setup()); err != nil {
			return err
		}
		if err := printTranscript(e, res); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: wrote keys to %s\n", info.ID, filepath.Join(*out, keys.Folder(info.ID)))
		return nil
	})
}

func vkData(res *ceremony.Result) ([]byte, error) {
	if res.VerifyingKey == nil {
		return nil, errors.New("the ceremony is not sealed")
	}
	var b bytes.Buffer
	if _, err := res.VerifyingKey.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
