// Command tacit is the one CLI for issuers, businesses, lenders, auditors
// and operators. Every subcommand is a thin layer over the library packages;
// flags and environment variables are read here and nowhere else.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/consensys/gnark/logger"
)

// command is one subcommand: its words ("credential sign"), a summary and
// its body, which gets the remaining arguments.
type command struct {
	words   string
	summary string
	run     func(env *env, args []string) error
}

// env is what a command may touch: standard input and output.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	stdinUsed      bool // a flag has read standard input ("-")
}

var commands []command

func register(words, summary string, run func(env *env, args []string) error) {
	commands = append(commands, command{words, summary, run})
}

// errUsage marks a usage error (exit status 2). The bare sentinel is for a
// message the flag package has already printed.
var errUsage = errors.New("usage")

// usageError is a usage error with its own message.
type usageError struct{ msg string }

func (u *usageError) Error() string        { return u.msg }
func (u *usageError) Is(target error) bool { return target == errUsage }

// usagef makes a usage error: a missing, unknown or malformed flag or
// argument, which exits with status 2.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// flagErr is a usage error for a flag whose value does not parse.
func flagErr(name string, err error) error { return usagef("--%s: %v", name, err) }

func main() {
	logger.Disable() // gnark's progress logs go nowhere; tacit prints its own
	os.Exit(runIO(os.Stdin, os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	return runIO(strings.NewReader(""), args, stdout, stderr)
}

// runIO runs the command args and returns its exit status: 0, 1 when it
// fails or refuses (a verification, a proof), 2 for a usage error.
func runIO(stdin io.Reader, args []string, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	// Longest match of the leading words.
	var match *command
	for i := range commands {
		w := strings.Fields(commands[i].words)
		if len(args) >= len(w) && strings.Join(args[:len(w)], " ") == commands[i].words {
			if match == nil || len(w) > len(strings.Fields(match.words)) {
				match = &commands[i]
			}
		}
	}
	if match == nil {
		if group := groupCommands(args[0]); len(group) > 0 {
			if len(args) == 2 && (args[1] == "-h" || args[1] == "--help" || args[1] == "help") {
				groupUsage(stdout, args[0], group)
				return 0
			}
			if len(args) > 1 {
				fmt.Fprintf(stderr, "tacit: unknown command %q\n\n", strings.Join(args, " "))
			}
			groupUsage(stderr, args[0], group)
			return 2
		}
		fmt.Fprintf(stderr, "tacit: unknown command %q\n\n", strings.Join(args, " "))
		usage(stderr)
		return 2
	}
	if err := match.run(e, args[len(strings.Fields(match.words)):]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if err != errUsage {
			fmt.Fprintf(stderr, "tacit %s: %v\n", match.words, err)
		}
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

// groupCommands lists the commands under a group word ("keys"), sorted.
func groupCommands(group string) []command {
	var out []command
	for _, c := range commands {
		if strings.HasPrefix(c.words, group+" ") {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].words < out[j].words })
	return out
}

func groupUsage(w io.Writer, group string, list []command) {
	fmt.Fprintf(w, "usage: tacit %s <command> [flags]\n\ncommands:\n", group)
	for _, c := range list {
		fmt.Fprintf(w, "  %-26s %s\n", c.words, c.summary)
	}
	fmt.Fprintf(w, "\nRun `tacit %s <command> -h` for a command's flags.\n", group)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: tacit <command> [flags]\n\ncommands:")
	sorted := append([]command(nil), commands...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].words < sorted[j].words })
	for _, c := range sorted {
		fmt.Fprintf(w, "  %-22s %s\n", c.words, c.summary)
	}
	fmt.Fprintln(w, "\nRun `tacit <command> -h` for a command's flags.")
}

// flags returns a FlagSet for a command that reports errors to stderr.
func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("tacit "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parse parses args and checks that the named flags were given.
func parse(fs *flag.FlagSet, args []string, required ...string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range required {
		if !set[name] {
			return usagef("missing required flag --%s", name)
		}
	}
	return nil
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
