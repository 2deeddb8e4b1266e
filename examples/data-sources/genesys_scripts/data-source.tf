data "genesys_scripts" "greetings" {
  name_filter = "Greeting"
}

output "greeting_scripts" {
  value = { for s in data.genesys_scripts.greetings.scripts : s.id => s.name }
}
