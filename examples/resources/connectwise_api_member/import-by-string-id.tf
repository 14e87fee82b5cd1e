# By the member's numeric id, or by its identifier ("Member ID" in ConnectWise):
# id = "umbrella-psa".
import {
  to = connectwise_api_member.umbrella
  id = "150"
}
