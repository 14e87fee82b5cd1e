# Sourced by demo.sh and adopt.sh (bash): what both do before their own part.
#   require_tools                 terraform and cargo on PATH, or a clear error
#   build_binaries                release build (PROFILE=debug for a debug one); sets $bin
#   start_sandbox WORK ARGS...    starts connectwise-sandbox ARGS on a free loopback port
#                                 (SANDBOX_PORT to choose one), logging to WORK/sandbox.log; sets
#                                 $sandbox_pid, $log and $url; on exit stops it and removes WORK
#                                 unless KEEP=1
#   write_cli_config WORK         WORK/terraform.tfrc with dev_overrides for $bin (no
#                                 `terraform init` needed), exported as TF_CLI_CONFIG_FILE
# Portable: no GNU-only options.

require_tools() {
  command -v terraform >/dev/null || { echo "terraform is not on PATH; install Terraform >= 1.11" >&2; exit 1; }
  command -v cargo >/dev/null || { echo "cargo is not on PATH; install Rust (see the README's prerequisites)" >&2; exit 1; }
}

build_binaries() {
  local profile=${PROFILE:-release}
  echo "==> building the provider and the sandbox ($profile; the first build takes a few minutes)"
  if [ "$profile" = release ]; then cargo build --release --bins; else cargo build --bins; fi
  bin="$root/target/$profile"
}

start_sandbox() {
  session_work=$1
  shift
  log="$session_work/sandbox.log"
  # Port 0: the sandbox picks a free port and prints its URL in the banner.
  "$bin/connectwise-sandbox" --listen "127.0.0.1:${SANDBOX_PORT:-0}" "$@" >"$log" 2>&1 &
  sandbox_pid=$!
  trap stop_sandbox EXIT
  url=
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^ConnectWise Manage sandbox listening on \([^ ]*\).*/\1/p' "$log" 2>/dev/null | head -n 1)
    [ -n "$url" ] && break
    kill -0 "$sandbox_pid" 2>/dev/null || { cat "$log"; echo "the sandbox did not start" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$url" ] || { cat "$log"; echo "the sandbox printed no URL" >&2; exit 1; }
  # The banner follows the URL line: give it time to be written whole.
  sleep 0.2
}

stop_sandbox() {
  if [ "${KEEP:-0}" != "1" ]; then
    kill "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
    rm -rf "$session_work"
  fi
}

write_cli_config() {
  cat >"$1/terraform.tfrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/umbrella-psa/connectwise" = "$bin"
  }
  direct {}
}
RC
  export TF_CLI_CONFIG_FILE="$1/terraform.tfrc" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
}
