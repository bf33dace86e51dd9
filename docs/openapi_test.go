package docs_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	httpapi "github.com/scanpay/scanpay/adapters/http"
	"github.com/scanpay/scanpay/docs"
	"go.yaml.in/yaml/v3"
)

// The router is the truth: every route it registers must be in
// openapi.yaml, and everything openapi.yaml describes must be registered.

func newServer() *httpapi.Server {
	return httpapi.New(httpapi.Deps{
		Registry: prometheus.NewRegistry(),
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		QueuesUI: http.NotFoundHandler(),
		OpenAPI:  docs.OpenAPI,
	}, httpapi.Options{BodyLimit: 1 << 20})
}

// mounts are path prefixes handed to a third-party handler for every method
// and every sub-path (app.All). The document describes each by one GET
// operation on the prefix: what lies below belongs to that handler.
var mounts = []string{httpapi.QueuesPath}

// pages are the browser pages (the staff console, the shopper simulator):
// HTML for people, not part of the API the document describes.
var pages = []string{httpapi.ConsolePath, httpapi.SimulatorPath}

func isPage(path string) bool {
	for _, p := range pages {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)(<[^>]*>)?\??`)

// operationKey turns a fiber route into "METHOD /openapi/{path}".
func operationKey(method, path string) string {
	for _, m := range mounts {
		if path == m || strings.HasPrefix(path, m+"/") {
			return http.MethodGet + " " + m
		}
	}
	return strings.ToUpper(method) + " " + fiberParam.ReplaceAllString(path, "{$1}")
}

// routerOperations lists the router's operations (HEAD, which fiber adds for
// every GET, left out) with the fiber routes each came from.
func routerOperations(t *testing.T) map[string][]string {
	t.Helper()
	ops := map[string][]string{}
	for _, r := range newServer().Routes() {
		if r.Method == http.MethodHead || isPage(r.Path) {
			continue
		}
		k := operationKey(r.Method, r.Path)
		ops[k] = append(ops[k], r.Method+" "+r.Path)
	}
	if len(ops) == 0 {
		t.Fatal("the router lists no routes")
	}
	return ops
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// pathItemFields are the fields of an OpenAPI path item besides operations.
var pathItemFields = []string{"$ref", "summary", "description", "servers", "parameters"}

func loadDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc any
	err := yaml.Unmarshal(docs.OpenAPI, &doc)
	if err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		t.Fatal("openapi.yaml is not a mapping")
	}
	return m
}

// documentedOperations lists the document's operations as "METHOD /path".
func documentedOperations(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("openapi.yaml has no paths mapping")
	}
	ops := map[string]map[string]any{}
	for path, item := range paths {
		pi, ok := item.(map[string]any)
		if !ok {
			t.Errorf("paths[%s] is not a mapping", path)
			continue
		}
		for key, v := range pi {
			if slices.Contains(pathItemFields, key) {
				continue
			}
			if !slices.Contains(httpMethods, key) {
				t.Errorf("paths[%s] has %q, which is neither an HTTP method nor a path item field", path, key)
				continue
			}
			op, ok := v.(map[string]any)
			if !ok {
				t.Errorf("%s %s is not a mapping", strings.ToUpper(key), path)
				continue
			}
			ops[strings.ToUpper(key)+" "+path] = op
		}
	}
	return ops
}

func TestEveryRouteIsDocumented(t *testing.T) {
	documented := documentedOperations(t, loadDoc(t))
	var missing []string
	for op, from := range routerOperations(t) {
		if _, ok := documented[op]; !ok {
			missing = append(missing, fmt.Sprintf("%s (registered as %s)", op, strings.Join(from, ", ")))
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("routes registered in adapters/http but missing from docs/openapi.yaml:\n  %s", strings.Join(missing, "\n  "))
	}
}

func TestEveryDocumentedOperationIsRouted(t *testing.T) {
	routed := routerOperations(t)
	var stale []string
	for op := range documentedOperations(t, loadDoc(t)) {
		if _, ok := routed[op]; !ok {
			stale = append(stale, op)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("operations in docs/openapi.yaml that the router does not register:\n  %s", strings.Join(stale, "\n  "))
	}
}

func TestDocumentIsWellFormed(t *testing.T) {
	doc := loadDoc(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	for _, f := range []string{"title", "version", "description"} {
		if s, _ := info[f].(string); s == "" {
			t.Errorf("info.%s is missing", f)
		}
	}

	// Every $ref points inside components and resolves.
	refs := 0
	walk(doc, "#", func(at string, node map[string]any) {
		raw, ok := node["$ref"]
		if !ok {
			return
		}
		refs++
		ref, ok := raw.(string)
		switch {
		case !ok:
			t.Errorf("%s: $ref is not a string", at)
		case !strings.HasPrefix(ref, "#/components/"):
			t.Errorf("%s: $ref %q does not point into #/components/", at, ref)
		default:
			if _, err := resolve(doc, ref); err != nil {
				t.Errorf("%s: $ref %q: %v", at, ref, err)
			}
		}
	})
	if refs == 0 {
		t.Error("the document has no $ref at all; the check above would prove nothing")
	}

	components, _ := doc["components"].(map[string]any)
	schemes, _ := components["securitySchemes"].(map[string]any)
	checkSecurity := func(at string, v any) {
		if v == nil {
			return
		}
		reqs, ok := v.([]any)
		if !ok {
			t.Errorf("%s: security is not a list", at)
			return
		}
		for _, r := range reqs {
			req, ok := r.(map[string]any)
			if !ok {
				t.Errorf("%s: a security requirement is not a mapping", at)
				continue
			}
			for name := range req {
				if _, ok := schemes[name]; !ok {
					t.Errorf("%s: security scheme %q is not in components.securitySchemes", at, name)
				}
			}
		}
	}
	checkSecurity("security", doc["security"])

	paths, _ := doc["paths"].(map[string]any)
	ids := map[string]string{}
	for op, o := range documentedOperations(t, doc) {
		if rs, _ := o["responses"].(map[string]any); len(rs) == 0 {
			t.Errorf("%s lists no responses", op)
		}
		if id, _ := o["operationId"].(string); id != "" {
			if prev, dup := ids[id]; dup {
				t.Errorf("operationId %q is used by %s and %s", id, prev, op)
			}
			ids[id] = op
		}
		checkSecurity(op, o["security"])

		// Path templates and path parameters agree.
		path := op[strings.IndexByte(op, ' ')+1:]
		item, _ := paths[path].(map[string]any)
		declared := map[string]bool{}
		for _, list := range []any{item["parameters"], o["parameters"]} {
			ps, _ := list.([]any)
			for _, p := range ps {
				param, err := deref(doc, p)
				if err != nil {
					t.Errorf("%s: parameter: %v", op, err)
					continue
				}
				if param["in"] == "path" {
					name, _ := param["name"].(string)
					declared[name] = true
					if param["required"] != true {
						t.Errorf("%s: path parameter %q must be required: true", op, name)
					}
				}
			}
		}
		for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter {%s} is not declared", op, m[1])
			}
			delete(declared, m[1])
		}
		for name := range declared {
			t.Errorf("%s: declares path parameter %q that the path does not have", op, name)
		}
	}
}

func TestEmbeddedCopyMatchesFile(t *testing.T) {
	onDisk, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(docs.OpenAPI, onDisk) {
		t.Error("docs.OpenAPI differs from openapi.yaml on disk; rebuild")
	}
}

func TestServedDocumentIsTheEmbeddedOne(t *testing.T) {
	res, err := newServer().App.Test(httptest.NewRequest(http.MethodGet, "/openapi.yaml", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, docs.OpenAPI) {
		t.Errorf("GET /openapi.yaml = %d with %d bytes, want 200 with the %d embedded bytes", res.StatusCode, len(body), len(docs.OpenAPI))
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/yaml") {
		t.Errorf("Content-Type = %q, want application/yaml", ct)
	}
}

// walk calls fn for every mapping in the tree, with its JSON pointer.
func walk(node any, at string, fn func(at string, m map[string]any)) {
	switch n := node.(type) {
	case map[string]any:
		fn(at, n)
		for k, v := range n {
			walk(v, at+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(k), fn)
		}
	case []any:
		for i, v := range n {
			walk(v, at+"/"+strconv.Itoa(i), fn)
		}
	}
}

// resolve follows a local JSON pointer reference such as
// "#/components/schemas/Problem".
func resolve(doc any, ref string) (any, error) {
	ptr, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("not a local reference")
	}
	node := doc
	for _, tok := range strings.Split(ptr, "/") {
		tok, err := url.PathUnescape(tok)
		if err != nil {
			return nil, err
		}
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch n := node.(type) {
		case map[string]any:
			v, ok := n[tok]
			if !ok {
				return nil, fmt.Errorf("no %q", tok)
			}
			node = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil, fmt.Errorf("no index %q", tok)
			}
			node = n[i]
		default:
			return nil, fmt.Errorf("%q is inside a scalar", tok)
		}
	}
	return node, nil
}

// deref returns a mapping, following its $ref if it has one.
func deref(doc any, v any) (map[string]any, error) {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("not a mapping")
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, nil
		}
		if v, _ = resolve(doc, ref); v == nil {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
	}
	return nil, fmt.Errorf("$ref chain too long")
}
