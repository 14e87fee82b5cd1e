import {
  to = connectwise_umbrella_psa_credentials.this
  identity = {
    id = "psa"
  }
}
