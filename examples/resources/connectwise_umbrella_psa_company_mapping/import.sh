# A mapping is imported by the Umbrella customer id:
terraform import connectwise_umbrella_psa_company_mapping.acme 2000001

# or, for an instance of a for_each:
terraform import 'connectwise_umbrella_psa_company_mapping.customer["2000001"]' 2000001
