# A role can be imported by its numeric id:
terraform import connectwise_security_role.umbrella 12

# or by its name ("Role ID" in ConnectWise):
terraform import connectwise_security_role.umbrella Umbrella
