#!/usr/bin/env bash
# `npm run engine`: builds the Pulumi engine cmom runs under, from the Go module proxy, into .engine/ (git-ignored):
#   .engine/bin/pulumi                          the CLI (wrapper module scripts/engine/cli)
#   .engine/bin/pulumi-resource-pulumi-nodejs   the dynamic-provider host (starts @pulumi/pulumi/cmd/dynamic-provider)
#   .engine/home/plugins/…                      resource plugins, installed under the versions package.json pins
# A rerun is a no-op while the pinned versions and the wrapper modules are unchanged. Nothing is downloaded at run time:
# scripts/engine/env.sh points PULUMI_HOME and PATH here and turns update checks and plugin downloads off.
set -euo pipefail

project_dir="$(cd "$(dirname "$0")/../.." && pwd)"
engine_dir="$project_dir/.engine"
wrappers="$project_dir/scripts/engine"
# shellcheck source=env.sh
source "$wrappers/env.sh"

# The version a wrapper module requires of a module (direct or indirect).
required_version() { sed -n "s|^[[:space:]]*\(require \)\{0,1\}$2 \([^ ]*\).*|\2|p" "$1" | head -n1; }
cli_version="$(required_version "$wrappers/cli/go.mod" github.com/pulumi/pulumi/pkg/v3 | sed 's/^v//')"
node_sdk_version="$(node -p "require('$project_dir/node_modules/@pulumi/pulumi/package.json').version")"
kubernetes_version="$(node -p "require('$project_dir/package.json').dependencies['@pulumi/kubernetes']")"
cli_sdk_version="$(required_version "$wrappers/cli/go.mod" github.com/pulumi/pulumi/sdk/v3 | sed 's/^v//')"
if [[ "$cli_sdk_version" != "$cli_version" ]]; then
  echo "engine: the CLI wrapper must require pkg/v3 and sdk/v3 at one version (found $cli_version and $cli_sdk_version)" >&2
  exit 1
fi
if [[ "$node_sdk_version" != "$cli_version" ]]; then
  echo "engine: the CLI wrapper pins pulumi $cli_version but node_modules has @pulumi/pulumi $node_sdk_version; pin one version in both" >&2
  exit 1
fi

# What this build is made of: a change to any pin or wrapper module rebuilds.
fingerprint="$( (echo "$cli_version $kubernetes_version $(go version)"; cat "$wrappers"/cli/go.{mod,sum} "$wrappers"/kubernetes/go.{mod,sum} "$0") | sha256sum | cut -d' ' -f1)"
stamp="$engine_dir/built-from"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$fingerprint" ]]; then
  echo "engine: up to date (pulumi $cli_version, kubernetes $kubernetes_version)"
  exec "$wrappers/versions.sh"
fi
rm -f "$stamp"
mkdir -p "$PULUMI_HOME" "$engine_dir/bin" "$engine_dir/build"

echo "engine: building pulumi $cli_version"
(cd "$wrappers/cli" && go build -mod=readonly -trimpath -o "$engine_dir/bin/pulumi.tmp" \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$cli_version" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
mv "$engine_dir/bin/pulumi.tmp" "$engine_dir/bin/pulumi"

# The dynamic-provider host is a script in @pulumi/pulumi that resolves the SDK from the working directory; the engine starts
# plugins elsewhere, so this one names the project's SDK by its absolute path.
host="$engine_dir/bin/pulumi-resource-pulumi-nodejs"
printf '#!/bin/sh\nexec node "%s" "$@"\n' "$project_dir/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js" > "$host.tmp"
chmod +x "$host.tmp"
mv "$host.tmp" "$host"

echo "engine: building the kubernetes provider $kubernetes_version"
# The provider's main package embeds a schema that its own generate step stamps with the version; the module ships the
# schema, so the main package is assembled here beside a copy of the wrapper module and generated as upstream's build does.
provider_module="github.com/pulumi/pulumi-kubernetes/provider/v4"
provider_src="$(cd "$wrappers/kubernetes" && go mod download "$provider_module" && go list -m -f '{{.Dir}}' "$provider_module")"
build="$engine_dir/build/kubernetes"
rm -rf "$build"
mkdir -p "$build/cmd"
cp "$wrappers"/kubernetes/go.{mod,sum} "$build/"
cp "$provider_src"/cmd/pulumi-resource-kubernetes/{main.go,generate.go,schema.json,terraform-mapping.json} "$build/cmd/"
chmod u+w "$build"/cmd/*
(cd "$build/cmd" && VERSION="$kubernetes_version" go run -mod=readonly generate.go)
(cd "$build" && go build -mod=readonly -trimpath -o "$build/pulumi-resource-kubernetes" \
  -ldflags "-X $provider_module/pkg/version.Version=$kubernetes_version" ./cmd)
pulumi plugin install resource kubernetes "$kubernetes_version" --file "$build/pulumi-resource-kubernetes" --reinstall

echo "$fingerprint" > "$stamp"
exec "$wrappers/versions.sh"
