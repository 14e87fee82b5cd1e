#!/usr/bin/env bash
# Builds the Registry release artifacts into dist/ (or $DIST):
#   terraform-provider-connectwise_<version>_<os>_<arch>.zip  (holds terraform-provider-connectwise_v<version>)
#   terraform-provider-connectwise_<version>_SHA256SUMS
#   terraform-provider-connectwise_<version>_manifest.json    (protocol 6.0)
# and lays the zip out as a filesystem mirror in $DIST/mirror, for offline `terraform init`:
#   provider_installation { filesystem_mirror { path = "$DIST/mirror" } }
# BIN=path/to/binary skips the release build (tests package the debug binary).
set -euo pipefail
cd "$(dirname "$0")/.."
name=terraform-provider-connectwise
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
os=$(uname -s | tr '[:upper:]' '[:lower:]')
case "$(uname -m)" in x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
dist=${DIST:-dist}
source_address=${SOURCE_ADDRESS:-registry.terraform.io/umbrella-psa/connectwise}

if [ -z "${BIN:-}" ]; then
  cargo build --release --locked --bin "$name"
  BIN=target/release/$name
fi
[ -x "$BIN" ] || { echo "no provider binary at $BIN" >&2; exit 1; }

rm -rf "$dist" && mkdir -p "$dist"
stage=$(mktemp -d)
cp "$BIN" "$stage/${name}_v${version}"
zip="${name}_${version}_${os}_${arch}.zip"
python3 - "$stage/${name}_v${version}" "$dist/$zip" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
    info = zipfile.ZipInfo(os.path.basename(src))
    info.external_attr = 0o755 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(src, "rb") as f:
        z.writestr(info, f.read())
PY
rm -rf "$stage"
printf '{\n  "version": 1,\n  "metadata": {\n    "protocol_versions": ["6.0"]\n  }\n}\n' > "$dist/${name}_${version}_manifest.json"
(cd "$dist" && sha256sum "$zip" "${name}_${version}_manifest.json" > "${name}_${version}_SHA256SUMS")

mirror="$dist/mirror/$source_address"
mkdir -p "$mirror"
cp "$dist/$zip" "$mirror/"
echo "built $dist/$zip ($version, $os/$arch); filesystem mirror at $dist/mirror"
