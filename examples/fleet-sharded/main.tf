# Fleet, sharded: the same configuration as examples/fleet, run as N states side by side. Each
# state (a Terraform workspace "shard-<k>", see workflow.yml) manages the orgs whose name
# hashes to shard k, so adding or removing an org never moves another org between states.
# The orgs (OAuth client, region or api_url per org) come from GENESYSCLOUD_ORGS_FILE.

terraform {
  required_version = ">= 1.0"
  required_providers {
    genesys = {
      source = "registry.terraform.io/local/genesys"
    }
  }
}

# No settings: `orgs` is read from GENESYSCLOUD_ORGS_FILE.
provider "genesys" {}

variable "customer_orgs" {
  description = "Every org of the fleet (a key of the orgs file) => the substitutions of its greeting."
  type = map(object({
    substitutions = map(string)
  }))
}

variable "shard_count" {
  description = "How many states the fleet is split into. Changing it moves orgs between states: plan a migration (terraform state mv) first."
  type        = number
  default     = 4
}

variable "shard" {
  description = "The shard this state manages, 0 to shard_count - 1."
  type        = number
  validation {
    condition     = var.shard >= 0 && var.shard == floor(var.shard)
    error_message = "The shard must be a whole number from 0 to shard_count - 1."
  }
}

variable "deploy_id" {
  description = "Traceability: the git SHA or pipeline run that deployed the scripts."
  type        = string
  default     = "local"
}

locals {
  # Stable shard of an org: the first 8 hex digits of sha256(name), modulo shard_count.
  shard_of = {
    for org in keys(var.customer_orgs) : org => parseint(substr(sha256(org), 0, 8), 16) % var.shard_count
  }
  orgs = { for org, v in var.customer_orgs : org => v if local.shard_of[org] == var.shard }
}

resource "genesys_script_template" "greeting" {
  for_each      = local.orgs
  org           = each.key
  name          = "Standard Greeting"
  content       = file("${path.module}/greeting.script.json")
  substitutions = each.value.substitutions
  deploy_id     = var.deploy_id
}

output "shard_orgs" {
  description = "The orgs of this shard."
  value       = sort(keys(local.orgs))
}

output "greeting_ids" {
  description = "Org => id of its Standard Greeting (for flows and queues)."
  value       = { for org, s in genesys_script_template.greeting : org => s.id }
}
