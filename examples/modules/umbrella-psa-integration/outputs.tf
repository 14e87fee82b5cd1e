output "role_id" {
  description = "Id of the ConnectWise security role."
  value       = connectwise_security_role.this.id
}

output "member_id" {
  description = "Id of the ConnectWise API member."
  value       = connectwise_api_member.this.id
}

output "public_key" {
  description = "Public part of the API key Umbrella uses (minted, created here, or given), whatever key_mode is."
  value       = connectwise_umbrella_psa_credentials.this.public_key
}

output "minted_key_id" {
  description = "With key_mode \"minted\": the record id of the minted ConnectWise API key (its private key is only in Umbrella). Null otherwise."
  value       = connectwise_umbrella_psa_credentials.this.minted_key_id
}

output "connection_status" {
  description = "Umbrella's last check of the stored credentials: ok, unauthorized or unreachable."
  value       = connectwise_umbrella_psa_credentials.this.connection_status
}
