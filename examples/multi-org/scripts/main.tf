terraform {
  required_providers {
    genesys = {
      source = "registry.terraform.io/local/genesys"
    }
  }
}

variable "org" {
  type = object({
    company       = string
    support_phone = string
    division_id   = string
  })
}

variable "deploy_id" {
  type = string
}

resource "genesys_script_template" "greeting" {
  name        = "Standard Greeting"
  content     = file("${path.module}/../../quickstart/greeting.script.json")
  division_id = var.org.division_id
  deploy_id   = var.deploy_id

  substitutions = {
    company       = var.org.company
    support_phone = var.org.support_phone
  }
}

# Flows and queues reference the real id, never a null one.
data "genesys_script" "inbound_default" {
  name = "Default Inbound Script"
}

output "greeting_id" {
  value = genesys_script_template.greeting.id
}

output "default_inbound_script_id" {
  value = data.genesys_script.inbound_default.id
}
