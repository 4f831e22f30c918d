// Command pulumi-resource-kubernetes is Pulumi's Kubernetes provider, built from its Go module.
//
// The module's own main package embeds schema-embed.json, a file its release process generates (the
// committed schema.json with the release's version written in) and which is therefore not in the module.
// This main embeds the module's committed schema.json and terraform-mapping.json, which ../build-kubernetes.sh
// copies beside it into the build folder, and writes the version the linker set into the schema, as the
// release process does.
package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var schema []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

// versioned returns the schema with its "version" field set: the engine and the SDKs read the
// provider's version from it.
func versioned(schema []byte, v string) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(schema, &fields); err != nil {
		return nil, fmt.Errorf("the embedded schema.json is not a JSON object: %w", err)
	}
	quoted, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	fields["version"] = quoted
	return json.Marshal(fields)
}

func main() {
	// Lets ../build-kubernetes-provider.sh ask a binary which version it is without an engine to talk to.
	if len(os.Args) == 2 && os.Args[1] == "-version" {
		fmt.Println(version.Version)
		return
	}
	if version.Version == "" {
		fmt.Fprintln(os.Stderr, "pulumi-resource-kubernetes: built without a version: link with -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=<version>")
		os.Exit(1)
	}
	s, err := versioned(schema, version.Version)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-resource-kubernetes:", err)
		os.Exit(1)
	}
	provider.Serve("kubernetes", version.Version, s, terraformMapping)
}
