# By the role's numeric id, or by its name ("Role ID" in ConnectWise): id = "Umbrella".
import {
  to = connectwise_role_permission_set.umbrella
  id = "12"
}
