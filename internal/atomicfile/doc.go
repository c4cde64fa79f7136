// Package atomicfile replaces a file so that a reader sees either the old
// contents or the new, never a partial write, and the new contents survive
// a crash once Write returns.
//
// Write puts the data in a temporary file with a unique name in the target's
// directory, syncs it, sets its mode, renames it over the target and syncs
// the directory. The temporary file is removed on any error.
//
// Trust: the directory's owner is trusted; Write does not defend against
// another process swapping the directory or the target while it runs. Files
// that must not be overwritten need a link or O_EXCL instead (see
// ceremony's writeNew).
package atomicfile
