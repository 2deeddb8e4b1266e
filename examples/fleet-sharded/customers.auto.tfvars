# Every org of the fleet; each shard's state picks its own (main.tf, local.orgs).
customer_orgs = {
  acme = {
    substitutions = { company = "Acme Corp" }
  }
  globex = {
    substitutions = { company = "Globex" }
  }
  initech = {
    substitutions = { company = "Initech" }
  }
  umbrella = {
    substitutions = { company = "Umbrella" }
  }
}
