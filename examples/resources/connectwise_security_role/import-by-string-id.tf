# By the role's numeric id, or by its name ("Role ID" in ConnectWise): id = "Umbrella".
import {
  to = connectwise_security_role.umbrella
  id = "12"
}
