package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/internal/atomicfile"
	"github.com/tacit-zk/tacit/internal/strictjson"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// What makes the CLI scriptable: `-` for standard input and output,
// --json results, and `tacit version`.

func init() {
	register("version", "print the tacit version and the gnark version it proves with [--json]", version)
}

// stdio is the file name that means standard input or output.
const stdio = "-"

// readInput reads a file, or standard input for "-" (once per command:
// a second "-" is a usage error), refusing more than max bytes.
func (e *env) readInput(flagName, path string, max int64) ([]byte, error) {
	if path != stdio {
		return strictjson.ReadFile(path, max)
	}
	if e.stdinUsed {
		return nil, usagef("--%s -: standard input is already read by another flag", flagName)
	}
	e.stdinUsed = true
	data, err := io.ReadAll(io.LimitReader(e.stdin, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading standard input: %w", err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("standard input is over %d bytes", max)
	}
	return data, nil
}

// writeOutput writes data to path atomically, or to standard output for
// "-". It returns where the data went, for the command's message.
func (e *env) writeOutput(path string, data []byte, perm os.FileMode) (string, error) {
	if path != stdio {
		return path, atomicfile.Write(path, data, perm)
	}
	_, err := e.stdout.Write(data)
	return "standard output", err
}

// note is where a command's message goes: standard output, unless its
// data goes there (--out -).
func (e *env) note(out string) io.Writer {
	if out == stdio {
		return e.stderr
	}
	return e.stdout
}

// printJSON prints v as indented JSON on standard output.
func (e *env) printJSON(v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stdout, string(data))
	return err
}

// jsonError is the error of a --json result.
type jsonError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// refusal is the --json result of a command that failed: the same exit
// status (1, or 2 for a usage error), and this object on standard output.
type refusal struct {
	OK    bool      `json:"ok"`
	Error jsonError `json:"error"`
}

// jsonResult runs a command body; with asJSON, a failure is also printed
// as a refusal object on standard output. The error is returned unchanged,
// so the exit status and the message on standard error stay the same.
func (e *env) jsonResult(asJSON bool, err error) error {
	if err == nil || !asJSON || errors.Is(err, flag.ErrHelp) {
		return err
	}
	if perr := e.printJSON(refusal{Error: jsonError{Code: errorCode(err), Message: err.Error()}}); perr != nil {
		return errors.Join(err, perr)
	}
	return err
}

// errorCode is the code of a refusal: the verifier's checks have the
// same codes as in the HTTP API (verifier.Code).
func errorCode(err error) string {
	switch {
	case errors.Is(err, errUsage):
		return "usage"
	case errors.Is(err, statement.ErrUnsatisfied):
		return "unsatisfied"
	}
	if code := verifier.Code(err); code != "" {
		return code
	}
	var coded interface{ Code() string }
	if errors.As(err, &coded) {
		return coded.Code() // a service's refusal (present)
	}
	return "error"
}

// versionInfo is what `tacit version` prints.
type versionInfo struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Gnark    string `json:"gnark"`
}

// buildVersion reads the version from the build: the module version when
// installed with `go install ...@version`, else the VCS revision.
func buildVersion() versionInfo {
	v := versionInfo{Version: "(devel)", Go: runtime.Version(), Gnark: circuits.GnarkVersion}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	for _, d := range bi.Deps {
		if d.Path == "github.com/consensys/gnark" {
			v.Gnark = d.Version
		}
	}
	return v
}

func version(e *env, args []string) error {
	fs := e.flags("version")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	v := buildVersion()
	if *asJSON {
		return e.printJSON(v)
	}
	line := "tacit " + v.Version
	if v.Revision != "" {
		line += " (" + v.Revision
		if v.Modified {
			line += ", modified"
		}
		line += ")"
	}
	fmt.Fprintf(e.stdout, "%s\ngnark %s, %s\n", line, v.Gnark, v.Go)
	return nil
}
