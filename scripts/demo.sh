#!/usr/bin/env bash
# Main job: build the provider's release archive (scripts/release.sh), install it the way a
# team would, from a local filesystem mirror with `terraform init` (lock file, no development
# overrides), build genesys-sim, start the simulator with two orgs, apply the quickstart (one greeting script deployed to both orgs with per-org substitutions), make an
# out-of-band change through the API as a Genesys admin would, show it surfacing in
# `terraform plan`, put git's version back, destroy, and stop the simulator.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

./scripts/install-terraform.sh
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
dist="$root/dist"
DIST_DIR="$dist" ./scripts/release.sh "$version"
cargo build --locked --bin genesys-sim
tf="${TERRAFORM:-$root/.tools/terraform-1.0.3/terraform}"
sim_bin="$root/target/debug/genesys-sim"

work="$(mktemp -d)"
sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Every terraform command's output is also kept, to prove at the end that no
# development-override warning was ever printed.
tf_run() { "$tf" "$@" 2>&1 | tee -a "$work/terraform.log"; }
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Starting genesys-sim with two orgs (acme, globex)"
"$sim_bin" --listen 127.0.0.1:0 \
  --org acme:acme-client:acme-secret \
  --org globex:globex-client:globex-secret >"$work/sim.url" 2>"$work/sim.log" &
sim_pid=$!
for _ in $(seq 1 100); do [ -s "$work/sim.url" ] && break; sleep 0.1; done
url="$(head -1 "$work/sim.url")"
echo "genesys-sim listening at $url"

step "Filling a local provider mirror from dist/ (packed layout HOST/NAMESPACE/TYPE/zip)"
mirror="$work/mirror/registry.terraform.io/local/genesys"
mkdir -p "$mirror"
cp "$dist/terraform-provider-genesys_${version}_linux_amd64.zip" "$mirror/"
ls "$mirror"
cp -r examples/quickstart "$work/quickstart"
cat >"$work/mirror.tfrc" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/local/genesys"]
  }
  direct {
    exclude = ["registry.terraform.io/local/genesys"]
  }
}
CFG
export TF_CLI_CONFIG_FILE="$work/mirror.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_PLUGIN_CACHE_DIR
export TF_VAR_api_url="$url" TF_VAR_acme_client_secret=acme-secret TF_VAR_globex_client_secret=globex-secret
export TF_VAR_deploy_id="demo-$(git rev-parse --short HEAD 2>/dev/null || echo local)"
cd "$work/quickstart"

step "terraform init: install terraform-provider-genesys $version from the mirror"
tf_run init -input=false -no-color
echo "--- .terraform.lock.hcl"
cat .terraform.lock.hcl

step "terraform apply: deploy the greeting to both orgs"
tf_run apply -input=false -auto-approve -no-color

step "terraform plan right after apply: nothing to do"
tf_run plan -input=false -no-color -detailed-exitcode

step "An admin edits the Acme script in Genesys (an upload through the public API)"
token="$(curl -fsS -u acme-client:acme-secret -d grant_type=client_credentials "$url/oauth/token" | jq -r .access_token)"
id="$("$tf" output -json acme_script | jq -r .id)"
jq '.pages[0].rootContainer.children[0].properties.text = "Hi, this is Acme. Edited in the UI on a Friday night."' \
  greeting.script.json | sed 's/{{company}}/Acme Corp/g; s/{{support_phone}}/+1 555 0100/g' >"$work/edited.json"
curl -fsS -H "Authorization: Bearer $token" \
  -F "file=@$work/edited.json;filename=script.json;type=application/json" \
  -F "scriptName=Standard Greeting" -F "scriptIdToReplace=$id" "$url/uploads/v2/scripter" >/dev/null
echo "uploaded an edited version of script $id"
sleep 0.5

step "terraform plan: the out-of-band change surfaces as drift (exit code 2)"
set +e
tf_run plan -input=false -no-color -detailed-exitcode
code=${PIPESTATUS[0]}
set -e
if [ "$code" -ne 2 ]; then
  echo "expected terraform plan to report changes (exit 2), got $code" >&2
  exit 1
fi

step "terraform apply: git's version goes back (version 1 -> 2)"
tf_run apply -input=false -auto-approve -no-color
"$tf" output -no-color

step "terraform destroy"
tf_run destroy -input=false -auto-approve -no-color

step "Stopping genesys-sim"
kill "$sim_pid" && wait "$sim_pid" 2>/dev/null || true
sim_pid=""
if grep -q "Provider development overrides are in effect" "$work/terraform.log"; then
  echo "unexpected development-override warning: the provider did not come from the mirror" >&2
  exit 1
fi
echo "demo finished: provider $version installed by terraform init, no development overrides"
