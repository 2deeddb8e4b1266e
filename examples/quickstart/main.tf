# Quickstart: one standardized greeting script deployed to two customer orgs, with per-org
# substitutions. Run against genesys-sim (scripts/demo.sh starts it) or real orgs.

terraform {
  required_providers {
    genesys = {
      source = "registry.terraform.io/local/genesys"
    }
  }
}

variable "api_url" {
  description = "genesys-sim base URL (or a gateway). Leave null to use aws_region hosts."
  type        = string
  default     = null
}

variable "acme_client_secret" {
  type      = string
  sensitive = true
}

variable "globex_client_secret" {
  type      = string
  sensitive = true
}

variable "deploy_id" {
  description = "Traceability: the git SHA or pipeline run that deployed the script."
  type        = string
  default     = "local"
}

provider "genesys" {
  alias              = "acme"
  api_url            = var.api_url
  oauthclient_id     = "acme-client"
  oauthclient_secret = var.acme_client_secret
}

provider "genesys" {
  alias              = "globex"
  api_url            = var.api_url
  oauthclient_id     = "globex-client"
  oauthclient_secret = var.globex_client_secret
}

resource "genesys_script_template" "greeting_acme" {
  provider  = genesys.acme
  name      = "Standard Greeting"
  content   = file("${path.module}/greeting.script.json")
  deploy_id = var.deploy_id

  substitutions = {
    company       = "Acme Corp"
    support_phone = "+1 555 0100"
  }
}

resource "genesys_script_template" "greeting_globex" {
  provider  = genesys.globex
  name      = "Standard Greeting"
  content   = file("${path.module}/greeting.script.json")
  deploy_id = var.deploy_id

  substitutions = {
    company       = "Globex"
    support_phone = "+44 20 7946 0000"
  }
}

output "acme_script" {
  value = {
    id         = genesys_script_template.greeting_acme.id
    version    = genesys_script_template.greeting_acme.version
    version_id = genesys_script_template.greeting_acme.version_id
  }
}

output "globex_script" {
  value = {
    id         = genesys_script_template.greeting_globex.id
    version    = genesys_script_template.greeting_globex.version
    version_id = genesys_script_template.greeting_globex.version_id
  }
}
