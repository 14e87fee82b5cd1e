# What this ConnectWise site and Umbrella console support (nothing is changed to find out).
data "connectwise_capabilities" "this" {}

resource "connectwise_security_role" "umbrella" {
  name = "Umbrella"
}

resource "connectwise_api_member" "umbrella" {
  identifier       = "umbrella-psa"
  name             = "Umbrella PSA Integration"
  security_role_id = connectwise_security_role.umbrella.id
}

# Create the API key only where the server has the call (it is not in the published API)...
resource "connectwise_api_key" "umbrella" {
  count       = data.connectwise_capabilities.this.api_keys ? 1 : 0
  member_id   = connectwise_api_member.umbrella.id
  description = "Umbrella PSA Integration"
}

# ...and otherwise say which step of the manual procedure replaces it.
output "api_key_manual_step" {
  value = data.connectwise_capabilities.this.api_keys ? null : data.connectwise_capabilities.this.manual_steps["api_keys"]
}

# Every step Terraform cannot do on this server, by capability.
output "manual_steps" {
  value = data.connectwise_capabilities.this.manual_steps
}
