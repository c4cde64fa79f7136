package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tacit-zk/tacit/server/auth"
)

func init() {
	register("apikey list", "list the API key file's principals, roles and key sha256 (operator)", apikeyList)
	register("apikey revoke", "remove a principal's keys (NAME) or one key (its sha256) from the key file; running servers stop accepting it within seconds (operator)", apikeyRevoke)
}

func apikeyList(e *env, args []string) error {
	fs := e.flags("apikey list")
	file := fs.String("auth", "tacit-keys.jsonl", "API key file")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	entries, err := auth.ReadFile(*file)
	if err != nil {
		return err
	}
	if *asJSON {
		if entries == nil {
			entries = []auth.Entry{}
		}
		data, err := json.MarshalIndent(entries, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, string(data))
		return nil
	}
	for _, en := range entries {
		fmt.Fprintf(e.stdout, "%-24s %-9s %s\n", en.Name, en.Role, en.Hash)
	}
	return nil
}

func apikeyRevoke(e *env, args []string) error {
	fs := e.flags("apikey revoke")
	file := fs.String("auth", "tacit-keys.jsonl", "API key file")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: tacit apikey revoke [--auth FILE] NAME|SHA256")
		fs.PrintDefaults()
	}
	which, err := parseWithArg(fs, args)
	if err != nil {
		return err
	}
	removed, err := auth.Revoke(*file, which)
	if err != nil {
		return err
	}
	for _, en := range removed {
		fmt.Fprintf(e.stdout, "revoked %s (%s) %s\n", en.Name, en.Role, en.Hash)
	}
	fmt.Fprintf(e.stderr, "servers started with --auth %s refuse the revoked keys within seconds (or at once on SIGHUP)\n", *file)
	return nil
}

// parseWithArg parses flags given before or after exactly one positional
// argument and returns that argument.
func parseWithArg(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", err
		}
		return "", errUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return "", errUsage
	}
	arg := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return "", errUsage
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return arg, nil
}

// reloadKeys keeps book in step with the key file at path until ctx ends:
// every interval, and at once on SIGHUP.
func reloadKeys(ctx context.Context, path string, book *auth.Book, interval time.Duration, log *slog.Logger) error {
	if interval <= 0 {
		return errors.New("--auth-reload must be positive")
	}
	r, err := auth.NewReloader(path, book, func(keys int, err error) {
		if err != nil {
			log.Error("reloading the API key file", "file", path, "error", err.Error())
			return
		}
		log.Info("reloaded the API key file", "file", path, "keys", keys)
	})
	if err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		r.Run(ctx, interval, hup)
	}()
	return nil
}
