import {
  to = connectwise_api_member.umbrella
  identity = {
    id = "150"
  }
}
