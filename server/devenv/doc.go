// Package devenv bootstraps tacit's development mode (`tacit serve --dev`,
// `make run`): on first start it sets up development keys, and on every
// start it adds demo API keys for each role, trusts a demo issuer and, if
// asked, writes a demo accredited-issuer registry. It keeps its files
// (issuer secrets, the registry, a sealing key) in one development
// directory.
//
// Trust: nothing here is fit for production. The keys come from a
// single-party setup whose toxic waste was in this process's memory, the
// demo API keys are printed, and the issuer secrets sit unencrypted on
// disk. It reads no flags or environment variables: the caller passes a
// Config.
package devenv
