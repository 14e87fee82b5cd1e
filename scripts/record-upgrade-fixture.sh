#!/usr/bin/env bash
# Records the fixture of the upgrade test (tests/upgrade.rs): applies
# tests/fixtures/upgrade-<version>/main.tf with the provider build in PROVIDER_DIR (the release
# being recorded, e.g. a build of tag v0.1.0) against a fresh sandbox, then keeps the sandbox's
# state file and Terraform's state beside the configuration. Run once per release:
#   scripts/record-upgrade-fixture.sh /path/to/old/target/release 0.1.0
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
provider_dir=${1:?usage: $0 PROVIDER_DIR VERSION}
version=${2:?usage: $0 PROVIDER_DIR VERSION}
fixture="$root/tests/fixtures/upgrade-$version"
# A fixed, unusual port: the test replaces this URL with its own sandbox's.
port=47613

cargo build --quiet -p connectwise-sandbox
work=$(mktemp -d -t cw-upgrade-XXXXXX)
trap 'kill "$sandbox_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$root/target/debug/connectwise-sandbox" --listen "127.0.0.1:$port" --state "$work/sandbox-state.json" >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
for _ in $(seq 1 100); do grep -q listening "$work/sandbox.log" 2>/dev/null && break; sleep 0.1; done

cp -r "$fixture/main.tf" "$fixture/module" "$work/"
cat >"$work/terraform.tfrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/umbrella-psa/connectwise" = "$provider_dir"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraform.tfrc" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
export TF_VAR_sandbox_url="http://127.0.0.1:$port"
(cd "$work" && terraform get -no-color >/dev/null && terraform apply -auto-approve -no-color >/dev/null)
(cd "$work" && terraform plan -detailed-exitcode -no-color >/dev/null) || { echo "the recorded configuration does not plan empty with its own release" >&2; exit 1; }

kill -TERM "$sandbox_pid"; wait "$sandbox_pid" || true
cp "$work/sandbox-state.json" "$work/terraform.tfstate" "$fixture/"
echo "recorded $fixture (sandbox URL http://127.0.0.1:$port)"
