# An API key can be imported as <member_id>/<key_id>:
terraform import connectwise_api_key.umbrella 150/7

# or as <member identifier>/<public key>:
terraform import connectwise_api_key.umbrella umbrella-psa/AbCdEfGhIjKlMnOp

# The private key cannot be recovered: the imported state has private_key = null
# (the import warns about it). Change rotation_triggers to get a new key whose
# private key Terraform knows.
