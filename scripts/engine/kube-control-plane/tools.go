//go:build tools

// Package tools pins the control plane's main packages so that `go mod tidy` records every module they
// need, by hash, in go.sum. Nothing imports this package: ../build-kube-control-plane.sh builds the main
// packages directly.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
