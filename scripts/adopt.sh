#!/usr/bin/env bash
# `make adopt`: bringing an integration set up by hand under the shipped module, offline.
# Builds the provider and the sandbox, starts `connectwise-sandbox --hand-made` on a free loopback
# port (an Umbrella PSA integration made as a person makes it in the consoles, with one permission
# ticked by mistake), runs `generate-imports --umbrella --module psa --root main.tf` in a
# temporary directory with the module copied in, and shows the files and `terraform plan`: only
# imports, plus the one drift the mistake is (Finance > Invoicing, set back to None).
# APPLY=1 also applies and shows that the next plan is empty; KEEP=1 leaves the sandbox and the
# directory in place. Needs bash, cargo and terraform (>= 1.11); portable (no GNU-only options).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# shellcheck source=scripts/sandbox-session.sh
. scripts/sandbox-session.sh
require_tools
build_binaries
work=$(mktemp -d "${TMPDIR:-/tmp}/cw-adopt-XXXXXX")
start_sandbox "$work" --hand-made
echo "==> sandbox listening on $url; what a person set up there by hand:"
grep '^  hand-made integration' "$log" | sed 's/^  /    /'

# The first tenant's fixed, public credentials, as the banner prints them.
tenant_line=$(grep '^  tenant [^ ]*: ConnectWise public key' "$log" | head -n 1)
field() { printf '%s\n' "$tenant_line" | sed -n "s/$1/\\1/p"; }
company=$(field '^  tenant \([^:]*\):.*')
public_key=$(field '.*ConnectWise public key \([^,]*\),.*')
private_key=$(field '.*, private key \([^;]*\);.*')
umbrella_key=$(field '.*Umbrella API key \([^,]*\),.*')
umbrella_secret=$(field '.*, secret \(.*\)$')

# The provider reads these (the generated root configuration holds none of the secrets).
export CONNECTWISE_SITE="$url" CONNECTWISE_COMPANY_ID="$company"
export CONNECTWISE_PUBLIC_KEY="$public_key" CONNECTWISE_PRIVATE_KEY="$private_key"
export CONNECTWISE_CLIENT_ID=00000000-0000-4000-8000-000000000000
export UMBRELLA_BASE_URL="$url" UMBRELLA_API_KEY="$umbrella_key" UMBRELLA_API_SECRET="$umbrella_secret"

mkdir -p "$work/modules"
cp -R "$root/examples/modules/umbrella-psa-integration" "$work/modules/"
rm -rf "$work/modules/umbrella-psa-integration/.terraform"
write_cli_config "$work"
cd "$work"

echo
echo "==> terraform-provider-connectwise generate-imports --umbrella --module psa --root main.tf --output imports.tf"
"$bin/terraform-provider-connectwise" generate-imports --umbrella --module psa --root main.tf --output imports.tf
for f in main.tf imports.tf; do
  echo
  echo "----- $f -----"
  cat "$f"
done

# dev_overrides need no `terraform init`; only the local module is installed.
terraform get -no-color >/dev/null
echo
echo "==> terraform plan"
terraform plan -no-color -out=tfplan >plan.txt 2>&1 || { cat plan.txt; echo "terraform plan failed" >&2; exit 1; }
# The plan without Terraform's notice about development overrides (expected here).
awk '/^Warning: Provider development overrides are in effect/ { skip = 1 }
     /: Preparing import|: Refreshing state|^Terraform used|^No changes/ { skip = 0 }
     !skip { print }' plan.txt

summary=$(grep '^Plan: ' plan.txt || true)
expected="Plan: 6 to import, 0 to add, 1 to change, 0 to destroy."
echo
if [ "$summary" = "$expected" ]; then
  echo "==> as expected: the six objects are imported; the one change is the permission set giving up"
  echo "    Finance > Invoicing (Inquire All), the permission ticked by mistake."
else
  echo "unexpected plan: '$summary' (expected '$expected')" >&2
  exit 1
fi

if [ "${APPLY:-0}" = "1" ]; then
  echo
  echo "==> terraform apply tfplan, then terraform plan"
  terraform apply -no-color tfplan | grep '^Apply complete'
  terraform plan -no-color -detailed-exitcode | grep -E '^No changes|^Plan: '
fi

if [ "${KEEP:-0}" = "1" ]; then
  echo
  echo "Kept: the working directory $work and the sandbox (pid $sandbox_pid). To go on by hand:"
  echo "  cd $work && export TF_CLI_CONFIG_FILE=$work/terraform.tfrc"
  echo "  export CONNECTWISE_SITE=$url CONNECTWISE_COMPANY_ID=$company CONNECTWISE_CLIENT_ID=$CONNECTWISE_CLIENT_ID"
  echo "  export CONNECTWISE_PUBLIC_KEY=$public_key CONNECTWISE_PRIVATE_KEY=$private_key"
  echo "  export UMBRELLA_BASE_URL=$url UMBRELLA_API_KEY=$umbrella_key UMBRELLA_API_SECRET=$umbrella_secret"
  echo "  terraform apply tfplan"
  echo "Stop the sandbox with: kill $sandbox_pid"
fi
