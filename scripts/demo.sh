#!/usr/bin/env bash
# The README's main command (`make demo`): builds the provider and the sandbox,
# starts the sandbox on a free loopback port, applies the example configuration
# against it, sums up what it created per tenant, proves a second plan is empty,
# then tears everything down (destroy + stop the sandbox). KEEP=1 leaves the
# sandbox and the working directory in place and prints how to use and stop them.
# Needs bash, cargo and terraform (>= 1.11); nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
example=${1:-examples/umbrella-psa-integration}

# shellcheck source=scripts/sandbox-session.sh
. scripts/sandbox-session.sh
require_tools
build_binaries
work=$(mktemp -d "${TMPDIR:-/tmp}/cw-demo-XXXXXX")
start_sandbox "$work" --tenants "${TENANTS:-3}"
echo "==> sandbox listening on $url (log: $log)"

cp -r "$root/$example/." "$work/"
if [ -d "$root/examples/modules" ]; then mkdir -p "$work/modules" && cp -r "$root/examples/modules/." "$work/modules/"; fi
# The example calls the module as ../modules/...; here it sits beside it (sed to a copy: portable).
for f in "$work"/*.tf; do
  sed 's#"\.\./modules/#"./modules/#g' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
done
write_cli_config "$work"
export TF_VAR_sandbox_url="$url"
cd "$work"

# dev_overrides need no `terraform init`; only the local module is installed.
terraform get -no-color >/dev/null

# The apply's progress, its result and its outputs (once); not the notice about development
# overrides (expected here) nor the plan of all 28 resources, which the summary below replaces.
apply_progress() {
  awk '/^Warning: Provider development overrides are in effect/ { next }
       /^The following provider development overrides/ { skip = 1 }
       /^Terraform used the selected providers/ { skip = 1 }
       /^Plan: / { skip = 0 }
       /^Changes to Outputs:/ { skip = 1 }
       /: (Creating|Still creating|Creation complete|Modifying|Destroying)/ { skip = 0 }
       /^(│|╷|╵)/ { next }
       !skip && NF'
}

echo "==> terraform apply ($example)"
terraform apply -auto-approve -no-color | apply_progress

echo
echo "==> what was created, per tenant"
terraform show -no-color | awk -f "$root/scripts/demo-summary.awk"

echo "==> second plan (must be empty)"
set +e
terraform plan -detailed-exitcode -no-color >"$work/plan.txt" 2>&1
code=$?
set -e
if [ "$code" = 0 ]; then echo "No changes: the plan is clean."; else cat "$work/plan.txt"; echo "second plan is not empty (exit $code)" >&2; exit 1; fi

if [ "${KEEP:-0}" = "1" ]; then
  cat <<NEXT

The sandbox keeps running (pid $sandbox_pid) at $url; working directory: $work
What to try next:
  - change the configuration and plan again:
      cd $work && export TF_CLI_CONFIG_FILE=$work/terraform.tfrc TF_VAR_sandbox_url=$url
      terraform plan
  - find what is in the sandbox and write import blocks for it (the provider's generate-imports):
      CONNECTWISE_SITE=$url CONNECTWISE_COMPANY_ID=sandbox CONNECTWISE_PUBLIC_KEY=sandbox-public-key \\
      CONNECTWISE_PRIVATE_KEY=sandbox-private-key CONNECTWISE_CLIENT_ID=3f1c2a7e-9b4d-4c8e-a2f1-6d5e4c3b2a19 \\
      UMBRELLA_BASE_URL=$url UMBRELLA_API_KEY=umbrella-sandbox-key UMBRELLA_API_SECRET=umbrella-sandbox-secret \\
      $bin/terraform-provider-connectwise generate-imports --umbrella
  - the sandbox's banner (a main.tf header and CLI config to paste): $log
Stop it with: kill $sandbox_pid
NEXT
  trap - EXIT
else
  echo "==> terraform destroy"
  terraform destroy -auto-approve -no-color | tail -n 1
  echo "==> sandbox stopped; demo done"
  cat <<NEXT

What to try next:
  - KEEP=1 make demo: the same, but the sandbox and the working directory stay, to plan, change
    and import by hand (it prints the commands, generate-imports among them)
  - by hand from scratch: the README's "Trying it against the sandbox" (the sandbox prints a
    main.tf header and a CLI config to paste)
  - $bin/terraform-provider-connectwise --help: the provider's commands for use outside Terraform
NEXT
fi
