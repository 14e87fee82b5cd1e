# The key pair the Umbrella PSA integration signs in with. Change rotation_triggers to
# rotate it: with create_before_destroy the new key exists (and can be handed to Umbrella)
# before the old one is revoked.
resource "connectwise_api_key" "umbrella" {
  member_id   = connectwise_api_member.umbrella.id
  description = "Umbrella PSA Integration"

  rotation_triggers = {
    rotated = "2026-11"
  }

  lifecycle {
    create_before_destroy = true
  }
}

output "umbrella_public_key" {
  value = connectwise_api_key.umbrella.public_key
}
