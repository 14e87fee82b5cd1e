import {
  to = connectwise_umbrella_psa_company_mapping.acme
  identity = {
    customer_id = 2000001
  }
}
