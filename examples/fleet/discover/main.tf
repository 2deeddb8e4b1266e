# Discovery before adoption: which scripts named like "Standard Greeting" each org holds.
# Uses the same orgs file (GENESYSCLOUD_ORGS_FILE) and customers.auto.tfvars as ../ (pass it
# with -var-file=../customers.auto.tfvars). Reads only: `terraform apply` writes nothing to
# Genesys, it only records the outputs.

terraform {
  required_providers {
    genesys = {
      source = "registry.terraform.io/local/genesys"
    }
  }
}

provider "genesys" {}

variable "customer_orgs" {
  type = map(object({
    substitutions = map(string)
  }))
}

variable "script_name" {
  type    = string
  default = "Standard Greeting"
}

data "genesys_scripts" "candidates" {
  for_each = var.customer_orgs
  org      = each.key
  # The API's filter is a substring match: "Standard Greeting (old)" is listed too.
  name_filter = var.script_name
}

locals {
  # Exact, case-sensitive matches only: what an import by name would take.
  exact = {
    for org, d in data.genesys_scripts.candidates :
    org => [for s in d.scripts : s.id if s.name == var.script_name]
  }
}

output "adoptable" {
  description = "Orgs with exactly one script of that name: the import block adopts it."
  value       = { for org, ids in local.exact : org => ids[0] if length(ids) == 1 }
}

output "missing" {
  description = "Orgs without it: the import block fails there; drop the org from the import (a plain apply creates it)."
  value       = [for org, ids in local.exact : org if length(ids) == 0]
}

output "ambiguous" {
  description = "Orgs with several: import one by id (ORG/ID) and clean up the others."
  value       = { for org, ids in local.exact : org => ids if length(ids) > 1 }
}
