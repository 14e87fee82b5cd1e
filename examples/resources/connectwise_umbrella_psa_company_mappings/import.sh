# The table is imported by the console id `psa` (the console the provider's
# umbrella block signs in to). Import before the first apply to see in the plan
# which existing mappings the configuration would remove.
terraform import connectwise_umbrella_psa_company_mappings.this psa
