package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/go-chi/chi/v5"
)

// The contract: static/openapi.yaml describes every API route, and every
// API answer in these tests matches it. kin-openapi reads OpenAPI 3.1 and
// checks 3.1 documents' schemas with a JSON Schema 2020-12 validator
// (type arrays with "null", as the description uses).

var (
	contractOnce   sync.Once
	contractDoc    *openapi3.T
	contractRouter routers.Router
	contractErr    error
)

// contractHost is where the description's servers are put for matching:
// test servers listen on random ports.
const contractHost = "http://api.test"

func loadContract(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	contractOnce.Do(func() {
		b, err := assets.ReadFile("static/openapi.yaml")
		if err != nil {
			contractErr = err
			return
		}
		loader := openapi3.NewLoader()
		if contractDoc, contractErr = loader.LoadFromData(b); contractErr != nil {
			return
		}
		if contractErr = contractDoc.Validate(context.Background()); contractErr != nil {
			return
		}
		contractDoc.Servers = openapi3.Servers{{URL: contractHost + "/api/v1"}}
		contractRouter, contractErr = gorillamux.NewRouter(contractDoc)
	})
	if contractErr != nil {
		t.Fatalf("openapi.yaml: %v", contractErr)
	}
	return contractDoc, contractRouter
}

// checkContract fails the test unless the answer to req (sent with body)
// is one the description promises, status included; an accepted request
// must match what the description says it takes.
func checkContract(t *testing.T, req *http.Request, body []byte, res response) {
	t.Helper()
	_, router := loadContract(t)
	u, err := url.Parse(contractHost + req.URL.RequestURI())
	if err != nil {
		t.Fatal(err)
	}
	vreq := req.Clone(context.Background())
	vreq.URL, vreq.Host = u, u.Host
	vreq.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := router.FindRoute(vreq)
	if err != nil && res.Status == http.StatusNotFound {
		return // an address the API does not have
	}
	if err != nil {
		t.Errorf("%s %s: not in openapi.yaml: %v", req.Method, req.URL.Path, err)
		return
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts}
	if res.Status >= 200 && res.Status < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s was accepted, but openapi.yaml does not describe it so: %v", req.Method, req.URL.Path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.Status, Header: res.Header, Options: opts}
	out.SetBodyBytes([]byte(res.Body))
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s: answer %d does not match openapi.yaml: %v\n%s", req.Method, req.URL.Path, res.Status, err, res.Body)
	}
}

// TestOpenAPIRoutes checks that every route the API serves is described
// and every described route is served, method by method.
func TestOpenAPIRoutes(t *testing.T) {
	doc, _ := loadContract(t)
	s := New(Config{Services: newEnv(t).db})
	r := chi.NewRouter()
	r.Route("/api/v1", s.apiRoutes)
	var served []string
	err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.TrimSuffix(strings.TrimPrefix(route, "/api/v1"), "/")
		served = append(served, method+" "+route)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var described []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			described = append(described, method+" "+path)
		}
	}
	slices.Sort(served)
	slices.Sort(described)
	for _, route := range served {
		if !slices.Contains(described, route) {
			t.Errorf("%s is served but not in openapi.yaml", route)
		}
	}
	for _, route := range described {
		if !slices.Contains(served, route) {
			t.Errorf("%s is in openapi.yaml but not served", route)
		}
	}
	if len(served) < 14 {
		t.Errorf("only %d routes walked: %v", len(served), served)
	}
}

// TestOpenAPIVersion checks the description is OpenAPI 3.1, as served.
func TestOpenAPIVersion(t *testing.T) {
	doc, _ := loadContract(t)
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi %s, want 3.1", doc.OpenAPI)
	}
	e := newEnv(t)
	res := e.get(e.client(), "/api/v1/openapi.yaml")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res, "openapi: 3.1.0")
}
