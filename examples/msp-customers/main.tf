# Map every Umbrella managed customer to the ConnectWise company of the same
# normalized name, as one authoritative table (see docs/guides/many-customers.md).
# Customers without a match are left unmapped and listed in the outputs.

terraform {
  required_version = ">= 1.11"
  required_providers {
    connectwise = {
      source = "umbrella-psa/connectwise"
    }
  }
}

provider "connectwise" {
  site        = var.sandbox_url
  company_id  = var.company_id
  public_key  = var.public_key
  private_key = var.private_key
  client_id   = var.client_id
  umbrella {
    base_url            = var.sandbox_url
    api_key             = var.umbrella_api_key
    api_secret          = var.umbrella_api_secret
    requests_per_minute = var.umbrella_requests_per_minute
  }
}

# One paged read each: 1 Umbrella request per 100 customers, 1 ConnectWise
# request per 1000 companies.
data "connectwise_umbrella_customers" "all" {}

data "connectwise_companies" "all" {}

locals {
  # Normalizing: lowercase, punctuation dropped, spaces collapsed, then one
  # trailing legal suffix removed ("Acme Dental, LLC" -> "acme dental").
  # Terraform has no user functions, so the expression appears twice.
  legal_suffix = "/ (llc|inc|ltd|pc|pllc|llp|corp|co|gmbh)$/"

  # Names are not unique in ConnectWise: group, then take the first identifier.
  companies_by_name = {
    for c in data.connectwise_companies.all.companies :
    replace(trimspace(replace(replace(lower(c.name), "/[^a-z0-9 ]/", ""), "/ +/", " ")), local.legal_suffix, "") => c.identifier...
  }

  customers = {
    for c in data.connectwise_umbrella_customers.all.customers :
    tostring(c.customer_id) => {
      name       = c.customer_name
      normalized = replace(trimspace(replace(replace(lower(c.customer_name), "/[^a-z0-9 ]/", ""), "/ +/", " ")), local.legal_suffix, "")
    }
  }

  matched = {
    for id, c in local.customers : id => local.companies_by_name[c.normalized][0]
    if contains(keys(local.companies_by_name), c.normalized)
  }
}

# AUTHORITATIVE: mappings on the console that are not in `matched` are removed.
resource "connectwise_umbrella_psa_company_mappings" "this" {
  mappings = local.matched
}
