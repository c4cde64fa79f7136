package server_test

import (
	"net/http"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestOpenAPIServersAreRelative: the served contract names no host or port,
// so a client generated from it talks to whichever address served it.
func TestOpenAPIServersAreRelative(t *testing.T) {
	t.Parallel()
	r := start(t, setup{}).call("", http.MethodGet, "/openapi.yaml", nil)
	r.expect(t, http.StatusOK, "")
	var doc struct {
		Servers []struct {
			URL string `yaml:"url"`
		} `yaml:"servers"`
	}
	if err := yaml.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Servers) == 0 {
		t.Fatal("no servers entry")
	}
	for _, s := range doc.Servers {
		if !strings.HasPrefix(s.URL, "/") || strings.Contains(s.URL, "://") {
			t.Errorf("servers entry %q is not relative", s.URL)
		}
	}
}
