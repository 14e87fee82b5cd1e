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
