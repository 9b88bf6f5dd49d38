//go:build tools

// Package cli pins the Pulumi CLI's main package as a dependency of this wrapper module, so that
// `go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi` resolves it with the versions in go.mod.
package cli

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
