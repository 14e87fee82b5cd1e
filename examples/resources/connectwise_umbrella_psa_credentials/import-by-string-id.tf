# A console has one PSA integration; its id is always "psa" (the provider's umbrella
# block chooses the console). Umbrella never returns the private key.
import {
  to = connectwise_umbrella_psa_credentials.this
  id = "psa"
}
