import {
  to = connectwise_umbrella_psa_company_mappings.this
  identity = {
    id = "psa"
  }
}
