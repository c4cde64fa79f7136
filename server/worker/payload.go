package worker

import (
	"encoding/json"
)

// Payload is what a proof job carries, sealed, from the API to a worker:
// the challenge's statement and canonical parameters, whom the proof is
// bound to, and the business's private inputs. It holds no trust
// configuration: a worker proves against its own (the issuer registry a
// policy names is loaded once, when the worker starts).
type Payload struct {
	Statement    string            `json:"statement"` // a name circuits.Resolve knows
	Params       json.RawMessage   `json:"params"`    // the request's canonical parameters
	Lender       string            `json:"lender"`
	Nonce        string            `json:"nonce"`
	Credentials  []json.RawMessage `json:"credentials"`
	HolderSecret string            `json:"holderSecret"`
}
