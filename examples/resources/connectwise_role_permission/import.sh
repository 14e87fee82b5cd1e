# By role id and settings row id (the resource's id):
terraform import connectwise_role_permission.table_setup 12/345

# or by role name, module and function:
terraform import connectwise_role_permission.table_setup "Umbrella/System/Table Setup"
