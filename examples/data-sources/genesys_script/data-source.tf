data "genesys_script" "inbound_default" {
  name = "Default Inbound Script"
}

output "inbound_default_script_id" {
  value = data.genesys_script.inbound_default.id
}
