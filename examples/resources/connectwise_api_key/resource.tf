# The key pair the Umbrella PSA integration signs in with, on the API member it belongs to.
data "connectwise_security_role" "umbrella" {
  name = "Umbrella"
}

resource "connectwise_api_member" "umbrella" {
  identifier       = "umbrella-psa"
  name             = "Umbrella PSA Integration"
  security_role_id = data.connectwise_security_role.umbrella.id
}

# Change rotation_triggers to rotate the key: with create_before_destroy the new key
# exists (and is handed to Umbrella) before the old one is revoked.
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
