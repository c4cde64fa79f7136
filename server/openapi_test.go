package server_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tacit-zk/tacit/server"
)

// TestOpenAPIMatchesRoutes keeps the contract and the router in step: every
// documented operation is routed, every route is documented, and every
// operation has its own operationId.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(server.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	operations := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	var documented []string
	ids := map[string]string{}
	for path, item := range doc.Paths {
		for method, node := range item {
			if !slices.Contains(operations, method) {
				continue
			}
			op := strings.ToUpper(method) + " " + path
			documented = append(documented, op)
			var o struct {
				OperationID string `yaml:"operationId"`
			}
			if err := node.Decode(&o); err != nil || o.OperationID == "" {
				t.Errorf("%s has no operationId", op)
			} else if other, dup := ids[o.OperationID]; dup {
				t.Errorf("%s and %s share operationId %q", op, other, o.OperationID)
			}
			ids[o.OperationID] = op
		}
	}

	param := regexp.MustCompile(`:([A-Za-z0-9_]+)`)
	var routed []string
	for _, r := range start(t, setup{}).srv.Routes() {
		routed = append(routed, r[0]+" "+param.ReplaceAllString(r[1], "{$1}"))
	}

	for _, op := range routed {
		if !slices.Contains(documented, op) {
			t.Errorf("routed but not in openapi.yaml: %s", op)
		}
	}
	for _, op := range documented {
		if !slices.Contains(routed, op) {
			t.Errorf("in openapi.yaml but not routed: %s", op)
		}
	}
	if len(routed) == 0 {
		t.Fatal("no routes")
	}
}

// TestOpenAPIServed: the document is served as it is embedded.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	r := start(t, setup{}).call("", http.MethodGet, "/openapi.yaml", nil)
	r.expect(t, http.StatusOK, "")
	if string(r.body) != string(server.OpenAPI) {
		t.Fatal("GET /openapi.yaml differs from server.OpenAPI")
	}
}
