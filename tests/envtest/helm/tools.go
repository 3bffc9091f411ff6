//go:build tools

// Package helm records the command build.sh compiles, so that `go mod tidy`
// keeps its dependencies in go.sum.
package helm

import _ "helm.sh/helm/v4/cmd/helm"
