# Step 6 of the setup: hand the API member's key to the Umbrella MSP console.
# Pick ONE of the three ways below (see "Handing over the private key").

# The API member of steps 1-4 (see connectwise_security_role and connectwise_api_member).
resource "connectwise_security_role" "umbrella" {
  name = "Umbrella"
}

resource "connectwise_api_member" "umbrella" {
  identifier       = "umbrella-psa"
  name             = "Umbrella PSA"
  security_role_id = connectwise_security_role.umbrella.id
}

# 1. From a connectwise_api_key (the private key is in state: use an encrypted backend).
resource "connectwise_api_key" "umbrella" {
  member_id         = connectwise_api_member.umbrella.id
  description       = "Umbrella PSA Integration"
  rotation_triggers = { generation = "1" } # change to rotate

  lifecycle {
    create_before_destroy = true
  }
}

resource "connectwise_umbrella_psa_credentials" "this" {
  site        = "api-na.myconnectwise.net"
  company_id  = "examplemsp"
  public_key  = connectwise_api_key.umbrella.public_key
  private_key = connectwise_api_key.umbrella.private_key
}

# 2. A key from elsewhere, write-only (Terraform 1.11 or later): never in plan or state.
#
# variable "cw_private_key" {
#   type      = string
#   sensitive = true
#   ephemeral = true
# }
#
# resource "connectwise_umbrella_psa_credentials" "this" {
#   site                   = "api-na.myconnectwise.net"
#   company_id             = "examplemsp"
#   public_key             = var.cw_public_key
#   private_key_wo         = var.cw_private_key
#   private_key_wo_version = 1 # raise when the key changes
# }

# 3. Let the provider mint the key: it goes straight to Umbrella and is stored nowhere else.
#
# resource "connectwise_umbrella_psa_credentials" "this" {
#   site       = "api-na.myconnectwise.net"
#   company_id = "examplemsp"
#
#   mint_key {
#     member_id         = connectwise_api_member.umbrella.id
#     rotation_triggers = { rotated = "2025-06" } # change to rotate
#   }
# }
