import {
  to = connectwise_api_key.umbrella
  identity = {
    member_id = "150"
    key_id    = "7"
  }
}
