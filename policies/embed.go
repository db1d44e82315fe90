// Package policies embeds the policy packs, one YAML file per region and
// effective window: <region-code>/<effective-from>.yaml. The engine in
// internal/policy validates them at start.
package policies

import "embed"

// FS holds every pack. An embed.FS is read-only, so a package-level one is
// no shared mutable state.
//
//go:embed */*.yaml
var FS embed.FS
