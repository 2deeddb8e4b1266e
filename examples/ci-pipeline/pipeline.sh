#!/usr/bin/env bash
# CI pipeline sketch: plan every org from the same commit, review, then apply exactly the saved
# plans. An apply never overwrites a change made after its plan: if someone edited a script in
# the Genesys UI in between, that org's apply stops with "Script changed outside Terraform since
# the plan" and nothing is written; re-plan to review the change.
set -euo pipefail
export TF_IN_AUTOMATION=1
deploy_id="${GITHUB_SHA:-$(git rev-parse --short HEAD)}"

for org in acme globex; do
  # Per-org credentials from the CI secret store, e.g. GENESYSCLOUD_OAUTHCLIENT_ID_ACME.
  id_var="GENESYSCLOUD_OAUTHCLIENT_ID_${org^^}"
  secret_var="GENESYSCLOUD_OAUTHCLIENT_SECRET_${org^^}"
  (
    export GENESYSCLOUD_OAUTHCLIENT_ID="${!id_var}"
    export GENESYSCLOUD_OAUTHCLIENT_SECRET="${!secret_var}"
    cd examples/multi-org
    terraform workspace select "$org" || terraform workspace new "$org"
    # Exit code 2 = changes (drift included); 1 = error.
    set +e
    terraform plan -input=false -detailed-exitcode -var-file="orgs/$org.tfvars" \
      -var "deploy_id=$deploy_id" -out="$org.tfplan"
    code=$?
    set -e
    case $code in
      0) echo "$org: no changes" ;;
      2) echo "$org: changes planned (review $org.tfplan)" ;;
      *) echo "$org: plan failed" >&2; exit 1 ;;
    esac
  )
done

# After review/approval, apply exactly what was planned.
for org in acme globex; do
  (
    cd examples/multi-org
    terraform workspace select "$org"
    terraform apply -input=false "$org.tfplan"
  )
done
