package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tacit-zk/tacit/internal/atomicfile"
	"github.com/tacit-zk/tacit/interop"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

func init() {
	register("circuits export-solidity", "write a Solidity verifier contract for a circuit's verifying key", exportSolidity)
	register("attestation export", "convert an attestation for other verifiers: EVM calldata or snarkjs JSON", attestationExport)
}

// leadingID takes a circuit id given before the flags.
func leadingID(args []string) (string, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", nil, usagef("missing the circuit id (see `tacit circuits list`)")
	}
	return args[0], args[1:], nil
}

func exportSolidity(e *env, args []string) error {
	fs := e.flags("circuits export-solidity ID")
	keyDir := fs.String("keys", "keys", "key directory")
	out := fs.String("out", "", "where to write the contract, e.g. Verifier.sol")
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		return parse(fs, args)
	}
	id, rest, err := leadingID(args)
	if err != nil {
		return err
	}
	if err := parse(fs, rest, "out"); err != nil {
		return err
	}
	info, err := lookupCircuit(id)
	if err != nil {
		return err
	}
	vk, err := keys.LoadVerifying(*keyDir, info.ID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := interop.Solidity(&buf, vk.Key); err != nil {
		return err
	}
	if err := atomicfile.Write(*out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	n := vk.Key.NbPublicWitness()
	fmt.Fprintf(e.stdout, "wrote %s: contract Verifier, %s reverts unless the proof verifies\n  %s, verifying key sha256 %s (setup: %s)\n",
		*out, strings.Replace(interop.Signature(n), "(bytes,", "(bytes proof, ", 1), info.ID, vk.Fingerprint, vk.Manifest.Setup.Kind)
	return nil
}

func attestationExport(e *env, args []string) error {
	fs := e.flags("attestation export")
	format := fs.String("format", "", "evm (ABI calldata for the exported verifier, printed as hex) or snarkjs (vk.json, proof.json, public.json)")
	attPath := fs.String("attestation", "", "attestation file (- for standard input)")
	keyDir := fs.String("keys", "", "key directory: the attestation's verifying key must be its (required for snarkjs)")
	out := fs.String("out", "", "snarkjs: directory to write the three files into")
	policyPath := fs.String("policy", "", "for a policy attestation: the lender's policy (policy.json) it answers, whose rules are public inputs")
	if err := parse(fs, args, "format", "attestation"); err != nil {
		return err
	}
	switch {
	case *format != "evm" && *format != "snarkjs":
		return usagef("--format must be evm or snarkjs, not %q", *format)
	case *format == "evm" && *out != "":
		return usagef("--out is for snarkjs; evm prints the calldata")
	case *format == "snarkjs" && (*keyDir == "" || *out == ""):
		return usagef("snarkjs needs --keys and --out")
	}
	data, err := e.readInput("attestation", *attPath, verifier.MaxFileSize)
	if err != nil {
		return err
	}
	att, err := verifier.ParseAttestation(data)
	if err != nil {
		return err
	}
	var req statement.Request // nil: rebuilt from the attestation
	if *policyPath != "" {
		if req, _, _, err = policyRequest(att.Statement, *policyPath, "", att.Binding.AsOf); err != nil {
			return err
		}
	}
	var vk *keys.Verifying
	if *keyDir != "" {
		if vk, err = keys.LoadVerifying(*keyDir, att.Statement); err != nil {
			return err
		}
		if att.VerifyingKey != vk.Fingerprint {
			return fmt.Errorf("the attestation was made with verifying key %s, %s has %s", att.VerifyingKey, *keyDir, vk.Fingerprint)
		}
	}
	needsPolicy := func(err error) error {
		if errors.Is(err, verifier.ErrNeedsRequest) {
			return fmt.Errorf("%w (pass --policy FILE, the policy.json it answers)", err)
		}
		return err
	}
	if *format == "evm" {
		calldata, err := interop.Calldata(att, req)
		if err != nil {
			return needsPolicy(err)
		}
		fmt.Fprintf(e.stdout, "0x%s\n", hex.EncodeToString(calldata))
		return nil
	}
	if err := interop.WriteSnarkjs(*out, vk.Key, att, req); err != nil {
		return needsPolicy(err)
	}
	fmt.Fprintf(e.stdout, "wrote %s, %s and %s in %s; check with `snarkjs groth16 verify %s %s %s`\n",
		interop.SnarkjsKeyFile, interop.SnarkjsProofFile, interop.SnarkjsPublicFile, *out,
		filepath.Join(*out, interop.SnarkjsKeyFile), filepath.Join(*out, interop.SnarkjsPublicFile), filepath.Join(*out, interop.SnarkjsProofFile))
	return nil
}
