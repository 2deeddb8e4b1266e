terraform {
  required_providers {
    genesys = {
      source  = "registry.terraform.io/local/genesys"
      version = "~> 0.2"
    }
  }
}

variable "client_id" {
  type = string
}

variable "client_secret" {
  type      = string
  sensitive = true
}

provider "genesys" {
  aws_region         = "eu-west-1"
  oauthclient_id     = var.client_id
  oauthclient_secret = var.client_secret
}
