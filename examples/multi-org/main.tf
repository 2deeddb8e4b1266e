# Multi-org layout: one root module per org (or one workspace per org), each with its own
# OAuth client and region, all sharing the script module. Credentials come from the
# environment of the pipeline job: GENESYSCLOUD_OAUTHCLIENT_ID / _SECRET / GENESYSCLOUD_REGION.

terraform {
  required_providers {
    genesys = {
      source = "registry.terraform.io/local/genesys"
    }
  }
}

variable "org" {
  description = "Per-org values, e.g. from orgs/acme.tfvars."
  type = object({
    company       = string
    support_phone = string
    division_id   = string
  })
}

variable "deploy_id" {
  type    = string
  default = "local"
}

provider "genesys" {}

module "scripts" {
  source    = "./scripts"
  org       = var.org
  deploy_id = var.deploy_id
}

output "greeting_id" {
  value = module.scripts.greeting_id
}
