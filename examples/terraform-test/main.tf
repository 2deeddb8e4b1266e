# A module under test: one script deployed to one org. `terraform test` runs
# tests/greeting.tftest.hcl against it; the provider's settings come from the environment
# (GENESYSCLOUD_API_URL, GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET), so the
# same module deploys to genesys-sim in CI and to a real org from a pipeline.
terraform {
  required_version = ">= 1.6"
  required_providers {
    genesys = {
      source = "registry.terraform.io/local/genesys"
    }
  }
}

provider "genesys" {}

variable "company" {
  description = "The company name the greeting speaks."
  type        = string
  default     = "Acme Corp"
}

variable "support_phone" {
  description = "The number agents give when a call drops."
  type        = string
  default     = "+1 555 0100"
}

resource "genesys_script_template" "greeting" {
  name    = "Standard Greeting (${var.company})"
  content = file("${path.module}/greeting.script.json")

  substitutions = {
    company       = var.company
    support_phone = var.support_phone
  }
}

output "script_id" {
  value = genesys_script_template.greeting.id
}

output "version" {
  value = genesys_script_template.greeting.version
}

output "version_id" {
  value = genesys_script_template.greeting.version_id
}

output "published_version_id" {
  value = genesys_script_template.greeting.published_version_id
}
