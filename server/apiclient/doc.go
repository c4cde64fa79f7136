// Package apiclient is a Go client for tacit's HTTP API, generated from
// server/openapi.yaml with oapi-codegen (go generate ./server/apiclient).
// It is what an integrator gets from the contract alone; a test runs the
// whole protocol, policies included, through it against the real server.
package apiclient

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../openapi.yaml
