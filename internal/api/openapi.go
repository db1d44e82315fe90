package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc is the API's OpenAPI 3 document. The end-to-end tests validate
// real responses against it, so it cannot drift from what the API does.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPIDocument returns the document, for tests and tooling.
func OpenAPIDocument() []byte { return openAPIDoc }

func (h *handler) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDoc)
}
