# By role id and settings row id (the resource's id), or by role name, module and
# function: id = "Umbrella/System/Table Setup".
import {
  to = connectwise_role_permission.table_setup
  id = "12/345"
}
