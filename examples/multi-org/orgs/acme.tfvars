org = {
  company       = "Acme Corp"
  support_phone = "+1 555 0100"
  division_id   = null
}
