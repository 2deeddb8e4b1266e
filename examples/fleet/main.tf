# Fleet: one configuration deploys the standard greeting to every customer org, each with its
# own substitutions. The orgs (OAuth client, region or api_url per org) come from the JSON file
# named by GENESYSCLOUD_ORGS_FILE, so no secret is written in HCL: see orgs.example.json and
# README.md. The keys of var.customer_orgs are keys of that file.

terraform {
  required_providers {
    genesys = {
      source = "registry.terraform.io/local/genesys"
    }
  }
}

# No settings: `orgs` is read from GENESYSCLOUD_ORGS_FILE.
provider "genesys" {}

variable "customer_orgs" {
  description = "Org name (a key of the orgs file) => the substitutions of that org's greeting."
  type = map(object({
    substitutions = map(string)
  }))
}

variable "deploy_id" {
  description = "Traceability: the git SHA or pipeline run that deployed the scripts."
  type        = string
  default     = "local"
}

resource "genesys_script_template" "greeting" {
  for_each      = var.customer_orgs
  org           = each.key
  name          = "Standard Greeting"
  content       = file("${path.module}/greeting.script.json")
  substitutions = each.value.substitutions
  deploy_id     = var.deploy_id
}

output "greeting_ids" {
  description = "Org => id of its Standard Greeting (for flows and queues)."
  value       = { for org, s in genesys_script_template.greeting : org => s.id }
}
