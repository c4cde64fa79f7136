package audit

import (
	"testing"
)

// FuzzParseCircuits feeds /v1/circuits bodies to the decoder the audit runs
// on a server's answer.
func FuzzParseCircuits(f *testing.F) {
	f.Add([]byte(`[{"id":"no-default/v1","constraints":10636,"constraintSystemDigest":"31c4","verifyingKey":{"fingerprint":"1b3c","data":"AAEC"},"setup":{"kind":"mpc-ceremony","contributors":["phase1/alice"],"transcript":"6b3b"}}]`))
	f.Add([]byte(`{"circuits":[{"id":"x","verifyingKey":{"data":"0x00ff"}}]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"id":""}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		pub, err := ParseCircuits(body)
		if err != nil {
			return
		}
		for _, p := range pub {
			if p.ID == "" {
				t.Fatal("an entry without an id was accepted")
			}
		}
	})
}
