# Map every managed customer to the ConnectWise company of the same name without spaces.
data "connectwise_umbrella_customers" "all" {}

resource "connectwise_umbrella_psa_company_mapping" "customer" {
  for_each = {
    for c in data.connectwise_umbrella_customers.all.customers : tostring(c.customer_id) => c
  }

  customer_id    = each.value.customer_id
  psa_company_id = replace(each.value.customer_name, " ", "")
}

# Or one customer by id, with an explicit ConnectWise company identifier.
resource "connectwise_umbrella_psa_company_mapping" "acme" {
  customer_id    = 2000001
  psa_company_id = "AcmeDental"
}
