package main

import (
	"encoding/json"
	"fmt"

	"github.com/tacit-zk/tacit/audit"
	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/keys"
)

func init() {
	register("keys setup", "compile every circuit and run a DEVELOPMENT Groth16 setup", keysSetup)
	register("keys verify", "recompile the circuits and recheck a key directory (auditor; tacit audit --keys)", keysVerify)
	register("circuits list", "list the statements, with constraint counts", circuitsList)
}

func keysSetup(e *env, args []string) error {
	fs := e.flags("keys setup")
	dir := fs.String("dir", "keys", "key directory to write")
	var ids multiFlag
	fs.Var(&ids, "circuit", "a circuit id to set up (repeatable; default: every circuit)")
	force := fs.Bool("force", false, "replace existing development keys")
	replaceCeremony := fs.Bool("replace-ceremony-keys", false, "with --force, also replace keys a ceremony sealed")
	if err := parse(fs, args); err != nil {
		return err
	}
	for i, id := range ids {
		info, err := lookupCircuit(id)
		if err != nil {
			return flagErr("circuit", err)
		}
		ids[i] = info.ID
	}
	if err := keys.CheckOverwrite(*dir, keys.Overwrite{Force: *force, Ceremony: *replaceCeremony}, ids...); err != nil {
		return err
	}
	return keys.Setup(*dir, e.stdout, ids...)
}

// keysVerify is `tacit audit --keys DIR [--circuit ID]` under the name the
// key commands use.
func keysVerify(e *env, args []string) error {
	fs := e.flags("keys verify")
	dir := fs.String("dir", "keys", "key directory to check")
	sel := fs.String("circuit", "all", "circuit id to check, or all (circuits without keys in the directory are noted)")
	asJSON := fs.Bool("json", false, "print the checks as JSON (exit status 1 if one fails)")
	if err := parse(fs, args); err != nil {
		return e.jsonResult(*asJSON, err)
	}
	pub, err := audit.FromKeys(*dir)
	if err != nil {
		return e.jsonResult(*asJSON, err)
	}
	return runAudit(e, *dir, pub, *sel, "", *asJSON)
}

type circuitJSON struct {
	ID          string           `json:"id"`
	Description string           `json:"description"`
	Constraints int              `json:"constraints"`
	Public      []circuits.Input `json:"publicInputs"`
}

func circuitsList(e *env, args []string) error {
	fs := e.flags("circuits list")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	var list []circuitJSON
	for _, info := range circuits.All() {
		ccs, err := circuits.Compile(info)
		if err != nil {
			return err
		}
		list = append(list, circuitJSON{info.ID, info.Description, ccs.GetNbConstraints(), info.Inputs})
	}
	if *asJSON {
		data, err := json.MarshalIndent(list, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, string(data))
		return nil
	}
	for _, c := range list {
		fmt.Fprintf(e.stdout, "%-16s %6d constraints  %s\n", c.ID, c.Constraints, c.Description)
	}
	return nil
}
