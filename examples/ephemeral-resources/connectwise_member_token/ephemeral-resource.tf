# Act as the Umbrella API member for one run (Terraform >= 1.10): the temporary key
# pair configures a second provider instance and is never written to plan or state.
ephemeral "connectwise_member_token" "umbrella" {
  member_identifier = "umbrella-psa"
}

provider "connectwise" {
  alias       = "as_umbrella"
  site        = var.connectwise_site
  company_id  = var.connectwise_company_id
  client_id   = var.connectwise_client_id
  public_key  = ephemeral.connectwise_member_token.umbrella.public_key
  private_key = ephemeral.connectwise_member_token.umbrella.private_key
}

# Reads as the member: proves what the member's security role lets it see.
data "connectwise_member" "self" {
  provider   = connectwise.as_umbrella
  identifier = "umbrella-psa"
}

variable "connectwise_site" {
  type = string
}

variable "connectwise_company_id" {
  type = string
}

variable "connectwise_client_id" {
  type = string
}
