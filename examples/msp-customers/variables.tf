variable "sandbox_url" {
  description = "ConnectWise site and Umbrella base URL; defaults to a connectwise-sandbox on loopback."
  type        = string
  default     = "http://127.0.0.1:8080"
}

variable "company_id" {
  description = "ConnectWise company id (the login company)."
  type        = string
  default     = "sandbox"
}

variable "public_key" {
  description = "ConnectWise API member public key."
  type        = string
  default     = "sandbox-public-key"
}

variable "private_key" {
  description = "ConnectWise API member private key."
  type        = string
  sensitive   = true
  default     = "sandbox-private-key"
}

variable "client_id" {
  description = "The integration's ConnectWise clientId GUID."
  type        = string
  default     = "3f1c2a7e-9b4d-4c8e-a2f1-6d5e4c3b2a19"
}

variable "umbrella_api_key" {
  description = "Umbrella MSP console API key."
  type        = string
  default     = "umbrella-sandbox-key"
}

variable "umbrella_api_secret" {
  description = "Umbrella MSP console API secret."
  type        = string
  sensitive   = true
  default     = "umbrella-sandbox-secret"
}

variable "umbrella_requests_per_minute" {
  description = "Client-side Umbrella throttle; null keeps the documented 14 per minute, 0 turns it off (sandbox only)."
  type        = number
  default     = null
}
