output "public_keys" {
  description = "Public part of each tenant's API key handed to Umbrella."
  value       = { for name, m in local.integrations : name => m.public_key }
}

output "connection_status" {
  description = "Umbrella's check of each tenant's stored ConnectWise credentials."
  value       = { for name, m in local.integrations : name => m.connection_status }
}
