//go:build tools

// Package tools pins the Pulumi CLI's main package so that `go mod tidy` records every module it needs,
// by hash, in go.sum. Nothing imports this package: ../build-pulumi.sh builds the main package directly.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
