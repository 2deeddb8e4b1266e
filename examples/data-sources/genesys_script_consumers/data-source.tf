data "genesys_script" "inbound_default" {
  name = "Default Inbound Script"
}

data "genesys_script_consumers" "inbound_default" {
  script_id = data.genesys_script.inbound_default.id
}

output "flows_using_the_inbound_default_script" {
  value = [for c in data.genesys_script_consumers.inbound_default.consumers : "${c.name} (${c.type})"]
}
