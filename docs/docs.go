// Package docs embeds the API description so the binary serves the same
// document that sits in the repository.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
