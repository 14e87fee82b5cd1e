#!/usr/bin/env bash
# The README's main command (`make demo`): builds the provider and the sandbox,
# starts the sandbox on loopback, applies the example configuration against
# it, shows what it did, proves a second plan is empty, then tears everything
# down (destroy + stop the sandbox). KEEP=1 leaves the sandbox and the working
# directory in place and prints how to use and stop them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
example=${1:-examples/umbrella-psa-integration}

command -v terraform >/dev/null || { echo "terraform is not on PATH; install Terraform >= 1.11" >&2; exit 1; }

profile=${PROFILE:-release}
echo "==> building the provider and the sandbox ($profile)"
if [ "$profile" = release ]; then cargo build --release --quiet --bins; else cargo build --quiet --bins; fi
bin="$root/target/$profile"

port=${SANDBOX_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18080)}
work=$(mktemp -d -t cw-demo-XXXXXX)
log="$work/sandbox.log"

echo "==> starting the sandbox on 127.0.0.1:$port (log: $log)"
"$bin/connectwise-sandbox" --listen "127.0.0.1:$port" --tenants "${TENANTS:-3}" >"$log" 2>&1 &
sandbox_pid=$!
cleanup() {
  if [ "${KEEP:-0}" != "1" ]; then
    kill "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
    rm -rf "$work"
  fi
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  grep -q "listening" "$log" 2>/dev/null && break
  kill -0 "$sandbox_pid" 2>/dev/null || { cat "$log"; echo "sandbox did not start" >&2; exit 1; }
  sleep 0.1
done

cp -r "$root/$example/." "$work/"
if [ -d "$root/examples/modules" ]; then mkdir -p "$work/modules" && cp -r "$root/examples/modules/." "$work/modules/"; fi
sed -i 's#"\.\./modules/#"./modules/#g' "$work"/*.tf
cat >"$work/terraform.tfrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/umbrella-psa/connectwise" = "$bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraform.tfrc" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
export TF_VAR_sandbox_url="http://127.0.0.1:$port"
cd "$work"

# dev_overrides need no `terraform init`; only the local module is installed.
terraform get -no-color >/dev/null

echo "==> terraform apply ($example)"
terraform apply -auto-approve -no-color | grep -vE '^(│|╷|╵)|Warning: Provider development overrides|overrides are in effect|^$' || { echo "apply failed" >&2; exit 1; }

echo "==> outputs"
terraform output -no-color

echo "==> second plan (must be empty)"
set +e
terraform plan -detailed-exitcode -no-color >"$work/plan.txt" 2>&1
code=$?
set -e
if [ "$code" = 0 ]; then echo "No changes: the plan is clean."; else cat "$work/plan.txt"; echo "second plan is not empty (exit $code)" >&2; exit 1; fi

if [ "${KEEP:-0}" = "1" ]; then
  echo
  echo "The sandbox keeps running (pid $sandbox_pid) at http://127.0.0.1:$port; working directory: $work"
  echo "  cd $work && TF_CLI_CONFIG_FILE=$work/terraform.tfrc TF_VAR_sandbox_url=http://127.0.0.1:$port terraform plan"
  echo "Stop it with: kill $sandbox_pid"
  trap - EXIT
else
  echo "==> terraform destroy"
  terraform destroy -auto-approve -no-color | tail -n 1
  echo "==> sandbox stopped; demo done"
fi
