output "role_id" {
  description = "Id of the ConnectWise security role."
  value       = connectwise_security_role.this.id
}

output "member_id" {
  description = "Id of the ConnectWise API member."
  value       = connectwise_api_member.this.id
}

output "public_key" {
  description = "Public part of the API key handed to Umbrella."
  value       = connectwise_api_key.this.public_key
}

output "connection_status" {
  description = "Umbrella's last check of the stored credentials: ok, unauthorized or unreachable."
  value       = connectwise_umbrella_psa_credentials.this.connection_status
}
