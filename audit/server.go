package audit

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tacit-zk/tacit/keys"
)

// MaxServerResponse bounds the body FromServer reads.
const MaxServerResponse = 16 << 20

// serverCircuit is the part of a /v1/circuits entry the audit uses.
type serverCircuit struct {
	ID                     string          `json:"id"`
	Gnark                  string          `json:"gnark"`
	Constraints            int             `json:"constraints"`
	ConstraintSystemDigest string          `json:"constraintSystemDigest"`
	VerifyingKey           serverKey       `json:"verifyingKey"`
	Setup                  *keys.SetupInfo `json:"setup"`
}

type serverKey struct {
	Fingerprint string `json:"fingerprint"`
	Data        string `json:"data"` // base64 (standard or URL alphabet, padded or not) or hex of verifying.key
}

// FromServer fetches baseURL + "/v1/circuits" (a JSON list, or an object
// with a "circuits" list) with the bearer key apiKey if it is not empty.
func FromServer(ctx context.Context, client *http.Client, baseURL, apiKey string) ([]Published, error) {
	if client == nil {
		client = http.DefaultClient
	}
	url := strings.TrimSuffix(baseURL, "/") + "/v1/circuits"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+apiKey)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxServerResponse+1))
	if err != nil {
		return nil, fmt.Errorf("audit: reading %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		hint := ""
		if resp.StatusCode == http.StatusUnauthorized {
			hint = " (pass an API key)"
		}
		return nil, fmt.Errorf("audit: GET %s: %s%s", url, resp.Status, hint)
	}
	if len(body) > MaxServerResponse {
		return nil, fmt.Errorf("audit: GET %s: response larger than %d bytes", url, MaxServerResponse)
	}
	return ParseCircuits(body)
}

// ParseCircuits decodes a /v1/circuits response.
func ParseCircuits(body []byte) ([]Published, error) {
	var list []serverCircuit
	if err := json.Unmarshal(body, &list); err != nil {
		var wrapped struct {
			Circuits []serverCircuit `json:"circuits"`
		}
		if err2 := json.Unmarshal(body, &wrapped); err2 != nil || wrapped.Circuits == nil {
			return nil, fmt.Errorf("audit: /v1/circuits: not a list of circuits: %w", err)
		}
		list = wrapped.Circuits
	}
	out := make([]Published, 0, len(list))
	for i, c := range list {
		if c.ID == "" {
			return nil, fmt.Errorf("audit: /v1/circuits: entry %d has no id", i)
		}
		out = append(out, Published{
			ID: c.ID, Gnark: c.Gnark, Constraints: c.Constraints, ConstraintSystemDigest: c.ConstraintSystemDigest,
			Fingerprint: c.VerifyingKey.Fingerprint, VerifyingKey: decodeKeyData(c.VerifyingKey.Data, c.VerifyingKey.Fingerprint),
			Setup: c.Setup,
		})
	}
	return out, nil
}

// decodeKeyData accepts hex or base64. Where the text decodes more than
// one way, the decoding whose sha256 is the published fingerprint wins;
// otherwise the first that decodes, which then fails the fingerprint check.
func decodeKeyData(s, fingerprint string) []byte {
	s = strings.TrimSpace(s)
	var candidates [][]byte
	if b, err := hex.DecodeString(strings.TrimPrefix(s, "0x")); err == nil {
		candidates = append(candidates, b)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			candidates = append(candidates, b)
		}
	}
	for _, b := range candidates {
		if keys.Fingerprint(b) == fingerprint {
			return b
		}
	}
	if len(candidates) > 0 {
		return candidates[0]
	}
	return nil
}
