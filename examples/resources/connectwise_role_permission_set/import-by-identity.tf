import {
  to = connectwise_role_permission_set.umbrella
  identity = {
    role_id = "12"
  }
}
