#!/usr/bin/env bash
# Prints what the project's engine is made of: the CLI, the dynamic-provider host and every installed resource plugin.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=env.sh
source "$(dirname "$0")/env.sh"
echo "pulumi $(pulumi version)"
echo "pulumi-resource-pulumi-nodejs (@pulumi/pulumi $(node -p "require('@pulumi/pulumi/package.json').version"))"
pulumi plugin ls
