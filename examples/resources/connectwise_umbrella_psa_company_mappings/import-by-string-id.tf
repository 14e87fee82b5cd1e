# The whole table of the console the provider's umbrella block signs in to. Import
# it before the first apply to see in the plan which mappings would be removed.
import {
  to = connectwise_umbrella_psa_company_mappings.this
  id = "psa"
}
