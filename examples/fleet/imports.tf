# Adoption: the orgs already have a script named "Standard Greeting" (made by hand in the UI).
# One import block adopts it in every org, by exact name, instead of creating a second one.
# When the org's script already matches greeting.script.json after substitutions, nothing is
# written. An org with no script of that name, or with several, fails with the ids listed
# (import those by id: "ORG/ID"). Once every org is adopted the block is a no-op; delete this
# file then, or keep it. Import blocks with for_each need Terraform 1.7 or later: on older
# versions, delete this file and run `terraform import` per org (see README.md).

terraform {
  required_version = ">= 1.7"
}

import {
  for_each = var.customer_orgs
  to       = genesys_script_template.greeting[each.key]
  id       = "${each.key}/name:Standard Greeting"
}
