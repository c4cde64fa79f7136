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

// env is what a command may touch: its arguments' outputs and the clock.
type env struct {
	stdout, stderr io.Writer
}

var commands []command

func register(words, summary string, run func(env *env, args []string) error) {
	commands = append(commands, command{words, summary, run})
}

// errUsage marks an error whose message already explains the usage.
var errUsage = errors.New("usage")

func main() {
	logger.Disable() // gnark's progress logs go nowhere; tacit prints its own
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
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
		fmt.Fprintf(stderr, "tacit: unknown command %q\n\n", strings.Join(args, " "))
		usage(stderr)
		return 2
	}
	if err := match.run(e, args[len(strings.Fields(match.words)):]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if !errors.Is(err, errUsage) {
			fmt.Fprintf(stderr, "tacit %s: %v\n", match.words, err)
		}
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
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
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range required {
		if !set[name] {
			return fmt.Errorf("missing required flag --%s", name)
		}
	}
	return nil
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
