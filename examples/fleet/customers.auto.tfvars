# One entry per customer org; the keys are the org names of the orgs file.
customer_orgs = {
  acme = {
    substitutions = { company = "Acme Corp", support_phone = "+1 555 0100" }
  }
  globex = {
    substitutions = { company = "Globex", support_phone = "+44 20 7946 0000" }
  }
  initech = {
    substitutions = { company = "Initech", support_phone = "+1 555 0199" }
  }
}
