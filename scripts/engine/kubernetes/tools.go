//go:build tools

// Package kubernetes pins the provider packages that the generated main package (written by scripts/engine/build.sh next to
// the provider's embedded schema) imports, so that `go mod tidy` keeps them in go.mod and go.sum.
package kubernetes

import (
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
	_ "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)
