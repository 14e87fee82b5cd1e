# AUTHORITATIVE: this is the console's whole mapping table. Every mapping the
# console holds that is not listed here is removed on apply.

# Map every managed customer to the ConnectWise company with the same name.
data "connectwise_umbrella_customers" "all" {}

data "connectwise_companies" "all" {}

locals {
  # Names are not unique in ConnectWise: group, then take the first identifier.
  companies_by_name = {
    for c in data.connectwise_companies.all.companies : lower(c.name) => c.identifier...
  }
}

resource "connectwise_umbrella_psa_company_mappings" "this" {
  mappings = {
    for c in data.connectwise_umbrella_customers.all.customers :
    tostring(c.customer_id) => local.companies_by_name[lower(c.customer_name)][0]
    if contains(keys(local.companies_by_name), lower(c.customer_name))
  }
}

# Or a table written out by hand: customer id => ConnectWise company identifier.
# resource "connectwise_umbrella_psa_company_mappings" "this" {
#   mappings = {
#     "2000001" = "AcmeDental"
#     "2000002" = "BetaLaw"
#   }
# }
