import {
  to = connectwise_role_permission.table_setup
  identity = {
    role_id  = "12"
    module   = "System"
    function = "Table Setup"
  }
}
