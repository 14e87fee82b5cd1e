# As <member_id>/<key_id>, or as <member identifier>/<public key>:
# id = "umbrella-psa/AbCdEfGhIjKlMnOp".
# The private key cannot be recovered: the imported state has private_key = null.
import {
  to = connectwise_api_key.umbrella
  id = "150/7"
}
