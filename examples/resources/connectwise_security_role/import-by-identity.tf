import {
  to = connectwise_security_role.umbrella
  identity = {
    id = "12"
  }
}
