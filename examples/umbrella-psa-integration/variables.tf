variable "sandbox_url" {
  description = "Base URL of a running connectwise-sandbox; used by the default tenants."
  type        = string
  default     = "http://127.0.0.1:8080"
}

variable "client_id" {
  description = "The integration's ConnectWise clientId GUID."
  type        = string
  default     = "3f1c2a7e-9b4d-4c8e-a2f1-6d5e4c3b2a19"
}

variable "tenant_overrides" {
  description = "Per-tenant settings for real sites; tenants not given here use the sandbox's fixed test credentials."
  type = map(object({
    site                 = string
    company_id           = string
    public_key           = string
    private_key          = string
    umbrella_base_url    = string
    umbrella_api_key     = string
    umbrella_api_secret  = string
    customer_company_ids = map(string)
    key_mode             = optional(string, "minted")
  }))
  default = {}
}

locals {
  # The sandbox's tenants sandbox, sandbox2 and sandbox3 (fixed, public test
  # credentials printed by connectwise-sandbox), with their managed customers.
  sandbox_tenants = {
    acme = {
      site                 = var.sandbox_url, company_id = "sandbox"
      public_key           = "sandbox-public-key", private_key = "sandbox-private-key"
      umbrella_base_url    = var.sandbox_url, umbrella_api_key = "umbrella-sandbox-key", umbrella_api_secret = "umbrella-sandbox-secret"
      customer_company_ids = { "2000001" = "AcmeDental", "2000002" = "BoltLegal", "2000003" = "CobaltClinics" }
      key_mode             = "minted"
    }
    globex = {
      site                 = var.sandbox_url, company_id = "sandbox2"
      public_key           = "sandbox2-public-key", private_key = "sandbox2-private-key"
      umbrella_base_url    = var.sandbox_url, umbrella_api_key = "umbrella-sandbox2-key", umbrella_api_secret = "umbrella-sandbox2-secret"
      customer_company_ids = { "2000101" = "AcmeDental" }
      key_mode             = "minted"
    }
    initech = {
      site                 = var.sandbox_url, company_id = "sandbox3"
      public_key           = "sandbox3-public-key", private_key = "sandbox3-private-key"
      umbrella_base_url    = var.sandbox_url, umbrella_api_key = "umbrella-sandbox3-key", umbrella_api_secret = "umbrella-sandbox3-secret"
      customer_company_ids = {}
      key_mode             = "minted"
    }
  }

  tenants = merge(local.sandbox_tenants, var.tenant_overrides)
}

