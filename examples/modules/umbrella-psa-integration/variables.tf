variable "role_name" {
  description = "Name (\"Role ID\") of the ConnectWise security role the integration uses."
  type        = string
  default     = "Umbrella"
}

variable "member_identifier" {
  description = "Identifier (\"Member ID\", at most 15 characters) of the API member Umbrella signs in as."
  type        = string
  default     = "umbrella-psa"
}

variable "member_name" {
  description = "Display name of the API member."
  type        = string
  default     = "Umbrella PSA Integration"
}

variable "key_description" {
  description = "Description of the API key handed to Umbrella."
  type        = string
  default     = "Umbrella PSA Integration"
}

variable "key_rotation" {
  description = "Change this value (e.g. to the current month) to rotate the API key; the Umbrella credentials follow in place."
  type        = string
  default     = "1"
}

variable "connectwise_site" {
  description = "The ConnectWise site the Umbrella console calls, e.g. api-na.myconnectwise.net."
  type        = string
}

variable "connectwise_company_id" {
  description = "The ConnectWise company id the Umbrella console signs in with."
  type        = string
}

variable "customer_company_ids" {
  description = "Managed Umbrella customer id => ConnectWise company identifier, one mapping per customer."
  type        = map(string)
  default     = {}
}

variable "key_mode" {
  description = "How the API key reaches Umbrella: \"minted\" (the credentials resource mints it; the private key is never in plan or state), \"write_only\" (public_key + private_key_wo from outside, never stored), \"in_state\" (a connectwise_api_key whose private key is kept in state) or \"adopted\" (Umbrella keeps the key it already has; what generate-imports writes)."
  type        = string
  default     = "minted"
  nullable    = false

  validation {
    condition     = contains(["minted", "write_only", "in_state", "adopted"], var.key_mode)
    error_message = "key_mode must be one of \"minted\", \"write_only\", \"in_state\" or \"adopted\"."
  }
}

variable "public_key" {
  description = "With key_mode \"write_only\" or \"adopted\": the public key of the API key Umbrella uses. Ignored otherwise (the key is minted or created here)."
  type        = string
  default     = null

  validation {
    condition     = var.public_key != null || !contains(["write_only", "adopted"], var.key_mode)
    error_message = "public_key is required with key_mode \"write_only\" or \"adopted\": the public key of the API key Umbrella uses."
  }
}

variable "private_key_wo" {
  description = "With key_mode \"write_only\": the private key of public_key, sent to Umbrella and never stored in plan or state (an ephemeral value, e.g. from a vault)."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = var.private_key_wo != null || var.key_mode != "write_only"
    error_message = "private_key_wo is required with key_mode \"write_only\": the private key of public_key."
  }
}

variable "private_key_wo_version" {
  description = "With key_mode \"write_only\": raise it whenever private_key_wo changes, so that the new key is sent (Terraform cannot see a write-only value change)."
  type        = number
  default     = 1
  nullable    = false
}
