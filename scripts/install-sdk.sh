#!/usr/bin/env bash
# Installs Genesys Cloud's official Python SDK (PyPI purecloudplatformclientv2, pinned) into a
# virtualenv at .tools/genesys-sdk-<version>/, for the SDK contract suite (tests/api/sdk_contract.rs),
# and PyYAML (pinned) beside it, with which the tests parse the workflow files as YAML
# (tests/install/workflows.rs) without depending on what the machine's Python carries.
# Idempotent and offline-friendly: only the package registry is contacted, and only when the
# pinned version is not installed yet.
set -euo pipefail
version="269.0.0"
pyyaml="6.0.3"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.tools/genesys-sdk-$version"
py="$dest/bin/python"
if [ -x "$py" ] && "$py" -c "import importlib.metadata as m, sys; sys.exit(m.version('purecloudplatformclientv2') != '$version' or m.version('PyYAML') != '$pyyaml')" 2>/dev/null; then
  echo "purecloudplatformclientv2 $version and PyYAML $pyyaml already at $dest" >&2
  exit 0
fi
rm -rf "$dest"
python3 -m venv "$dest"
"$py" -m pip install --quiet --disable-pip-version-check "purecloudplatformclientv2==$version" "PyYAML==$pyyaml" >&2
"$py" -c "import PureCloudPlatformClientV2, yaml" >&2
echo "installed purecloudplatformclientv2 $version at $dest" >&2
