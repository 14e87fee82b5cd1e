# The Umbrella PSA integration for several MSP tenants, each with its own
# ConnectWise site and Umbrella console. `make demo` applies this against the
# sandbox (`connectwise-sandbox --tenants 3`).
#
# Terraform cannot choose a provider per for_each instance, so each tenant has
# its own provider alias and module block; everything else is driven by the
# `tenants` map. Each tenant's key_mode says how its API key reaches Umbrella;
# the default, "minted", keeps the private key out of plan and state (see the
# module's README for the other modes).

terraform {
  required_version = ">= 1.11"
  required_providers {
    connectwise = {
      source = "umbrella-psa/connectwise"
    }
  }
}

provider "connectwise" {
  alias       = "acme"
  site        = local.tenants["acme"].site
  company_id  = local.tenants["acme"].company_id
  public_key  = local.tenants["acme"].public_key
  private_key = local.tenants["acme"].private_key
  client_id   = var.client_id
  umbrella {
    base_url   = local.tenants["acme"].umbrella_base_url
    api_key    = local.tenants["acme"].umbrella_api_key
    api_secret = local.tenants["acme"].umbrella_api_secret
  }
}

provider "connectwise" {
  alias       = "globex"
  site        = local.tenants["globex"].site
  company_id  = local.tenants["globex"].company_id
  public_key  = local.tenants["globex"].public_key
  private_key = local.tenants["globex"].private_key
  client_id   = var.client_id
  umbrella {
    base_url   = local.tenants["globex"].umbrella_base_url
    api_key    = local.tenants["globex"].umbrella_api_key
    api_secret = local.tenants["globex"].umbrella_api_secret
  }
}

provider "connectwise" {
  alias       = "initech"
  site        = local.tenants["initech"].site
  company_id  = local.tenants["initech"].company_id
  public_key  = local.tenants["initech"].public_key
  private_key = local.tenants["initech"].private_key
  client_id   = var.client_id
  umbrella {
    base_url   = local.tenants["initech"].umbrella_base_url
    api_key    = local.tenants["initech"].umbrella_api_key
    api_secret = local.tenants["initech"].umbrella_api_secret
  }
}

module "acme" {
  source    = "../modules/umbrella-psa-integration"
  providers = { connectwise = connectwise.acme }

  connectwise_site       = local.tenants["acme"].site
  connectwise_company_id = local.tenants["acme"].company_id
  customer_company_ids   = local.tenants["acme"].customer_company_ids
  key_mode               = local.tenants["acme"].key_mode
}

module "globex" {
  source    = "../modules/umbrella-psa-integration"
  providers = { connectwise = connectwise.globex }

  connectwise_site       = local.tenants["globex"].site
  connectwise_company_id = local.tenants["globex"].company_id
  customer_company_ids   = local.tenants["globex"].customer_company_ids
  key_mode               = local.tenants["globex"].key_mode
}

module "initech" {
  source    = "../modules/umbrella-psa-integration"
  providers = { connectwise = connectwise.initech }

  connectwise_site       = local.tenants["initech"].site
  connectwise_company_id = local.tenants["initech"].company_id
  customer_company_ids   = local.tenants["initech"].customer_company_ids
  key_mode               = local.tenants["initech"].key_mode
}

locals {
  integrations = {
    acme    = module.acme
    globex  = module.globex
    initech = module.initech
  }
}
