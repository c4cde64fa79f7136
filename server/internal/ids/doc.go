// Package ids makes and checks the random identifiers that the server hands
// out (job IDs, challenge IDs).
//
// An identifier is 128 bits from crypto/rand, encoded as 22 characters of
// unpadded base64url, so it is safe in a URL path and in a Redis key.
//
// Trust: identifiers are unguessable but not secret; an endpoint that looks
// one up must still check who is asking.
package ids
