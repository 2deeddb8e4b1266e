variable "git_sha" {
  description = "Traceability: the commit that deployed the script."
  type        = string
  default     = "local"
}

resource "genesys_script_template" "greeting" {
  name      = "Standard Greeting"
  content   = file("${path.module}/greeting.script.json")
  deploy_id = var.git_sha

  substitutions = {
    company       = "Acme Corp"
    support_phone = "+1 555 0100"
  }
}
