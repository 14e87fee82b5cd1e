# By the role's numeric id:
terraform import connectwise_role_permission_set.umbrella 12

# or by its name ("Role ID" in ConnectWise):
terraform import connectwise_role_permission_set.umbrella Umbrella
