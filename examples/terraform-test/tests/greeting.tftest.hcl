# Runs with `terraform test` (Terraform >= 1.6) against genesys-sim or a real org; see
# docs/guides/testing.md. Each run applies the module for real, and `terraform test` destroys
# what it made at the end.

run "deploys_and_publishes_the_greeting" {
  command = apply

  assert {
    condition     = output.script_id != ""
    error_message = "the script has no id after apply"
  }

  assert {
    condition     = output.published_version_id == output.version_id
    error_message = "the published version is not the one just uploaded"
  }

  assert {
    condition     = genesys_script_template.greeting.name == "Standard Greeting (Acme Corp)"
    error_message = "the script name does not carry the company"
  }
}

run "a_new_phone_number_is_a_new_version_of_the_same_script" {
  command = apply

  variables {
    support_phone = "+1 555 0199"
  }

  assert {
    condition     = output.script_id == run.deploys_and_publishes_the_greeting.script_id
    error_message = "an update must keep the script's id"
  }

  assert {
    condition     = output.version > run.deploys_and_publishes_the_greeting.version
    error_message = "an update must raise the version"
  }

  assert {
    condition     = output.published_version_id == output.version_id
    error_message = "the update is not published"
  }
}
