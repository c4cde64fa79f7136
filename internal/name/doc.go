// Package name holds tacit's one rule for identifiers that end up in
// hashes, file names and URLs (lenders, policies, credentials in a policy,
// issuer sets, ceremony contributors): 1 to max characters, each a
// lower-case ASCII letter a-z, a digit 0-9, '.', '_' or '-'. No upper case
// (so a name has one spelling), no spaces, slashes or non-ASCII characters.
//
// Each caller picks its own maximum length, adds its own extra rules and
// writes its own error message; this package only answers whether a string
// is in the charset.
package name
