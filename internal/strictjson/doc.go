// Package strictjson decodes JSON documents from outside the process so
// that each has exactly one accepted reading.
//
// Decode runs a walk guided by the target's Go type before encoding/json
// sees the document, and refuses what encoding/json would let through: keys
// that match a field only up to case, duplicate keys at any depth, unknown
// fields, values of the wrong JSON type, integers not in their one decimal
// form, missing keys or JSON null for fields that are not nullable, and
// trailing data. Errors name the field by its path ("months[2].amount") and
// never echo a refused value.
//
// Cost: the walk is linear in the document's size and, before decoding,
// refuses documents nested deeper than MaxDepth arrays and objects, objects
// with more than MaxKeys keys, arrays with more than MaxElements elements,
// strings longer than MaxString bytes and numbers longer than MaxNumber
// characters (json.RawMessage and interface values included), so no
// document can drive the decoder's memory or stack beyond a small multiple
// of its size. Invalid UTF-8, which encoding/json would silently replace,
// is refused too.
//
// Trust: none; every input is treated as hostile. Callers still validate the
// decoded values' meaning.
package strictjson
