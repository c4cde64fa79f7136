//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main outside the browser says what this command is for.
func main() {
	fmt.Fprintln(os.Stderr, "wasm: this is the browser prover; build it with `make wasm` (GOOS=js GOARCH=wasm)")
	os.Exit(2)
}
