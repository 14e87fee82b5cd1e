# A console has one PSA integration; its id is always "psa" (the provider's umbrella block
# chooses the console). Umbrella never returns the private key: the next apply sends it once.
terraform import connectwise_umbrella_psa_credentials.this psa
