# An API member can be imported by its numeric id:
terraform import connectwise_api_member.umbrella 150

# or by its identifier ("Member ID" in ConnectWise):
terraform import connectwise_api_member.umbrella umbrella-psa
