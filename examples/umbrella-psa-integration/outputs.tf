output "public_keys" {
  description = "Public part of the API key each tenant's Umbrella console uses (minted by the credentials by default)."
  value       = { for name, m in local.integrations : name => m.public_key }
}

output "connection_status" {
  description = "Umbrella's check of each tenant's stored ConnectWise credentials."
  value       = { for name, m in local.integrations : name => m.connection_status }
}
