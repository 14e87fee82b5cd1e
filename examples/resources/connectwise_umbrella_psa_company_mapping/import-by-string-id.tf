# By the Umbrella customer id; for an instance of a for_each, e.g.
# to = connectwise_umbrella_psa_company_mapping.customer["2000001"].
import {
  to = connectwise_umbrella_psa_company_mapping.acme
  id = "2000001"
}
