# Look up a member made by hand, e.g. to give it a key managed by Terraform.
data "connectwise_member" "umbrella" {
  identifier = "umbrella-psa"
}

resource "connectwise_api_key" "umbrella" {
  member_id   = data.connectwise_member.umbrella.id
  description = "Umbrella PSA Integration"
}
