// Package sealed encrypts job payloads before they are stored outside the
// process (Redis), so that the store never holds a holder's private data in
// the clear.
//
// A Box is AES-256-GCM with a fresh random 96-bit nonce per message
// (crypto/cipher.NewGCMWithRandomNonce). A sealed message is
// nonce || ciphertext || tag, Overhead bytes longer than the plaintext. The
// associated data binds a message to its context: the server uses the job
// ID, so a payload copied onto another job's key does not open.
//
// A canary, a constant sealed under the key and kept in the shared storage
// (CanaryStore), lets every server and worker check at start that it holds
// the same key as the others (Check), instead of finding out job by job.
//
// Trust: confidentiality and integrity rest on the key, which the operator
// supplies and keeps out of the store. Random nonces limit one key to about
// 2^32 messages; rotate the key well before that. Sealing does not hide a
// payload's length.
package sealed
