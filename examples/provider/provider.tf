terraform {
  required_providers {
    connectwise = {
      source = "umbrella-psa/connectwise"
    }
  }
}

# Every argument falls back to an environment variable (CONNECTWISE_SITE,
# CONNECTWISE_COMPANY_ID, CONNECTWISE_PUBLIC_KEY, CONNECTWISE_PRIVATE_KEY,
# CONNECTWISE_CLIENT_ID, UMBRELLA_API_KEY, UMBRELLA_API_SECRET, ...), so
# secrets need not appear in configuration.
provider "connectwise" {
  site       = "api-na.myconnectwise.net"
  company_id = "mycompany"
  client_id  = "3f1c2a7e-9b4d-4c8e-a2f1-6d5e4c3b2a19"
  # public_key and private_key from CONNECTWISE_PUBLIC_KEY / CONNECTWISE_PRIVATE_KEY

  umbrella {
    # api_key and api_secret from UMBRELLA_API_KEY / UMBRELLA_API_SECRET
  }
}
