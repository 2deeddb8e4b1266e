# Promotion: deploy the script that the golden org (PROD) publishes to the QA and
# disaster-recovery orgs. The orgs come from the JSON file named by GENESYSCLOUD_ORGS_FILE
# (keys prod, qa, dr; see ../fleet/orgs.example.json), so no secret is written in HCL.
# docs/guides/promotion.md explains what moves and what must be changed per org.

terraform {
  required_providers {
    genesys = {
      source = "registry.terraform.io/local/genesys"
    }
  }
}

# No settings: `orgs` is read from GENESYSCLOUD_ORGS_FILE.
provider "genesys" {}

variable "script_name" {
  description = "The name of the golden script in PROD (and of its copies)."
  type        = string
  default     = "Standard Greeting"
}

variable "prod_queue_id" {
  description = "The id of the queue that the golden script transfers to in PROD (ids differ per org)."
  type        = string
}

variable "targets" {
  description = "Target org (a key of the orgs file) => that org's own ids."
  type = map(object({
    queue_id = string
  }))
}

# What PROD agents run: the published version, in canonical JSON.
data "genesys_script" "golden" {
  org  = "prod"
  name = var.script_name
}

resource "genesys_script_template" "promoted" {
  for_each = var.targets
  org      = each.key
  name     = var.script_name
  # PROD's queue id replaced by the target's own; everything else moves as it is.
  content = replace(data.genesys_script.golden.content, var.prod_queue_id, each.value.queue_id)
}

output "input_variables" {
  description = "The golden script's input variables (what flows bind to), for review."
  value       = [for v in data.genesys_script.golden.variables : v.name if v.input]
}
