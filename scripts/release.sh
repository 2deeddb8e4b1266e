#!/usr/bin/env bash
# Builds the release binary and writes the release files into dist/ (DIST_DIR), in the layout
# goreleaser produces for Go providers, which the Terraform registry and provider mirrors
# (filesystem and network) expect:
#
#   terraform-provider-genesys_VERSION_OS_ARCH.zip    the executable terraform-provider-genesys_vVERSION
#   terraform-provider-genesys_VERSION_manifest.json  {"version": 1, "metadata": {"protocol_versions": ["5.0"]}}
#   genesys-sim_VERSION_OS_ARCH.zip                   the simulator, executable genesys-sim, for
#                                                     users' own CI (docs/genesys-sim.md)
#   terraform-provider-genesys_VERSION_SHA256SUMS     every zip (the simulator's too) and the manifest
#   terraform-provider-genesys_VERSION_SHA256SUMS.sig detached GPG signature, when GPG_FINGERPRINT is set
#
# Usage: scripts/release.sh [--target TRIPLE] [--archive-only | --checksums-only] VERSION
#   --target TRIPLE   cross-build for a Rust target (default: this machine's)
#   --archive-only    only build and zip (one job per platform in .github/workflows/release.yml)
#   --checksums-only  only write manifest, SHA256SUMS and signature over the zips in DIST_DIR
# Environment:
#   DIST_DIR            output directory (default: dist/)
#   TPG_RELEASE_BINARY  package this already built binary instead of running cargo (the tests
#                       use the debug build, so that a test run does not pay for an LTO build)
#   TPG_RELEASE_SIM_BINARY  the same for genesys-sim (cargo runs unless both are set)
#   GPG_FINGERPRINT     sign SHA256SUMS with this secret key of the gpg keyring (GNUPGHOME);
#                       GPG_PASSPHRASE, when set, unlocks it non-interactively
# Zips are reproducible: the same binary and VERSION give the same bytes (release_dist.py).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

target="" mode=all
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="${2:?--target needs a Rust target triple}"; shift 2 ;;
    --archive-only) mode=archive; shift ;;
    --checksums-only) mode=checksums; shift ;;
    -*) echo "release.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
version="${1:-}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "usage: scripts/release.sh [--target TRIPLE] [--archive-only|--checksums-only] VERSION" >&2
  echo "VERSION is semver without a leading v, e.g. 0.2.0 (got '${version}')" >&2
  exit 2
fi
dist="${DIST_DIR:-$root/dist}"
mkdir -p "$dist"
dist="$(cd "$dist" && pwd)"
name=terraform-provider-genesys
# python3 (Linux, macOS) or python (the Windows runners of the release workflow).
python="$(command -v python3 || command -v python || true)"
[ -n "$python" ] || { echo "release.sh: Python 3 is needed (scripts/release_dist.py)" >&2; exit 1; }

# Terraform's OS_ARCH for a Rust target triple.
platform_of() {
  local os arch
  case "$1" in
    x86_64-*) arch=amd64 ;;
    aarch64-*) arch=arm64 ;;
    *) echo "release.sh: unsupported architecture in $1" >&2; return 1 ;;
  esac
  case "$1" in
    *-linux-*) os=linux ;;
    *-apple-darwin) os=darwin ;;
    *-windows-*) os=windows ;;
    *) echo "release.sh: unsupported OS in $1" >&2; return 1 ;;
  esac
  echo "${os}_${arch}"
}

if [ "$mode" != checksums ]; then
  triple="${target:-$(rustc -vV | sed -n 's/^host: //p')}"
  platform="$(platform_of "$triple")"
  exe=""
  case "$platform" in windows_*) exe=".exe" ;; esac
  sim=genesys-sim
  # Each binary is the one given in the environment, or else built here (both in one cargo run).
  binary="${TPG_RELEASE_BINARY:-}"
  sim_binary="${TPG_RELEASE_SIM_BINARY:-}"
  if [ -z "$binary" ] || [ -z "$sim_binary" ]; then
    out="$root/target/release"
    if [ -n "$target" ]; then
      cargo build --release --locked --bin "$name" --bin "$sim" --target "$target"
      out="$root/target/$target/release"
    else
      cargo build --release --locked --bin "$name" --bin "$sim"
    fi
    binary="${binary:-$out/$name$exe}"
    sim_binary="${sim_binary:-$out/$sim$exe}"
  fi
  for b in "$binary" "$sim_binary"; do
    [ -f "$b" ] || { echo "release.sh: no binary at $b" >&2; exit 1; }
  done
  "$python" "$root/scripts/release_dist.py" zip "$binary" "${name}_v${version}${exe}" \
    "$dist/${name}_${version}_${platform}.zip"
  echo "wrote $dist/${name}_${version}_${platform}.zip"
  "$python" "$root/scripts/release_dist.py" zip "$sim_binary" "${sim}${exe}" \
    "$dist/${sim}_${version}_${platform}.zip"
  echo "wrote $dist/${sim}_${version}_${platform}.zip"
fi

if [ "$mode" != archive ]; then
  "$python" "$root/scripts/release_dist.py" checksums "$dist" "$version"
  sums="$dist/${name}_${version}_SHA256SUMS"
  rm -f "$sums.sig"
  if [ -n "${GPG_FINGERPRINT:-}" ]; then
    gpg_args=(--batch --yes --local-user "$GPG_FINGERPRINT" --output "$sums.sig" --detach-sign)
    if [ -n "${GPG_PASSPHRASE:-}" ]; then
      gpg_args=(--pinentry-mode loopback --passphrase-fd 0 "${gpg_args[@]}")
      printf '%s' "$GPG_PASSPHRASE" | gpg "${gpg_args[@]}" "$sums"
    else
      gpg "${gpg_args[@]}" "$sums"
    fi
    echo "signed $sums.sig with $GPG_FINGERPRINT"
  fi
  echo "wrote $sums"
fi
