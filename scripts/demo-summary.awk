# Sums up, per tenant (module), what `make demo` created, from `terraform show -no-color`:
# the role, its permissions, the API member, its key, the Umbrella PSA credentials and the
# company mappings. awk rather than a JSON tool so that the demo needs nothing beyond bash,
# cargo and terraform. Secrets show as Terraform prints them: "(sensitive value)".

# "# module.acme.connectwise_role_permission.this["...."]:" opens a resource.
/^# module\./ {
    address = substr($2, 1, length($2) - 1)
    split(address, part, ".")
    tenant = part[2]
    type = part[3]
    if (!(tenant in seen)) { seen[tenant] = 1; order[++tenants] = tenant }
    delete attr
    list = ""
    next
}
# "    permission {": a block of the permission set; its rows are recorded one by one.
/^    permission \{/ { in_block = 1; delete attr; list = ""; next }
in_block && /^    \}/ { permission_row(); in_block = 0; next }
in_block && /^        [a-z_]+ +=/ {
    key = $1
    value = $0
    sub(/^[^=]*= */, "", value)
    gsub(/"/, "", value)
    attr[key] = value
    in_list = (value == "[")
    next
}
in_block && in_list && /^            "/ {
    entry = $0
    gsub(/^ +"|",?$/, "", entry)
    list = list (list == "" ? "" : ", ") entry
    next
}
# "    name = "Umbrella"": a top-level attribute.
/^    [a-z_]+ +=/ {
    key = $1
    value = $0
    sub(/^[^=]*= */, "", value)
    gsub(/"/, "", value)
    attr[key] = value
    in_list = (value == "[")
    next
}
# "        "Company / Configuration",": an entry of a list attribute (allowed_tables).
in_list && /^        "/ {
    entry = $0
    gsub(/^ +"|",?$/, "", entry)
    list = list (list == "" ? "" : ", ") entry
    next
}
/^}/ && tenant != "" { record(); tenant = "" }

# "Add, Edit, Inquire: All" for the levels that are not None.
function levels(   out, name, n, i, v, level) {
    n = split("Add Edit Delete Inquire", name, " ")
    out = ""
    v = ""
    for (i = 1; i <= n; i++) {
        level = attr[tolower(name[i]) "_level"]
        if (level == "None") continue
        out = out (out == "" ? "" : ", ") name[i]
        # The demo grants All wherever it grants anything; other mixes are named as such.
        v = (v == "" || v == level) ? level : "mixed levels"
    }
    return out == "" ? "no access" : out ": " v
}
function permission_row() {
    line = attr["module"] " > " attr["function"] " (" levels() ")"
    if (list != "") line = line "; allows " list
    perms[tenant] = perms[tenant] "\n    " line
    nperms[tenant]++
}
function record() {
    if (type == "connectwise_security_role") {
        role[tenant] = attr["name"] " (id " attr["id"] ")"
    } else if (type == "connectwise_role_permission") {
        permission_row()
    } else if (type == "connectwise_api_member") {
        member[tenant] = attr["identifier"] " (id " attr["id"] "), role id " attr["security_role_id"]
    } else if (type == "connectwise_api_key") {
        apikey[tenant] = "public key " attr["public_key"] " (\"" attr["description"] "\"), private key in state"
    } else if (type == "connectwise_umbrella_psa_credentials") {
        if (attr["minted_key_id"] != "" && attr["minted_key_id"] != "null")
            apikey[tenant] = "public key " attr["public_key"] " (id " attr["minted_key_id"] \
                "), minted by the credentials: private key only in Umbrella"
        psa[tenant] = "site " attr["site"] ", company " attr["company_id"] ", public key " \
            attr["public_key"] "; Umbrella's check: " attr["connection_status"]
    } else if (type == "connectwise_umbrella_psa_company_mapping") {
        maps[tenant] = maps[tenant] "\n    customer " attr["customer_id"] " (" attr["customer_name"] \
            ") -> ConnectWise company " attr["psa_company_id"]
        nmaps[tenant]++
    }
}
END {
    for (i = 1; i <= tenants; i++) {
        t = order[i]
        print "Tenant " t ":"
        print "  security role:   " (t in role ? role[t] : "none")
        print "  permissions (" nperms[t] + 0 "):" perms[t]
        print "  API member:      " (t in member ? member[t] : "none")
        print "  API key:         " (t in apikey ? apikey[t] : "none")
        print "  PSA credentials: " (t in psa ? psa[t] : "none")
        print "  mappings (" nmaps[t] + 0 "):" (nmaps[t] ? maps[t] : " none")
        print ""
    }
}
