#!/usr/bin/env bash
# Checks api-spec/openapi.yaml with the standard tools and type-checks the TypeScript client
# generated from it. Installs its pinned tools into this folder when they are missing:
#   requirements.txt -> .pydeps/ (pip --target), package-lock.json -> node_modules/ (npm ci).
# Run by `cargo test` (tests/contract.rs) and so by .ci/run; needs python3 (with pip) and node/npm.
set -euo pipefail
tools="$(cd "$(dirname "$0")" && pwd)"
spec_dir="$(dirname "$tools")"
root="$(dirname "$spec_dir")"
spec="$spec_dir/openapi.yaml"
client="$root/clients/ts"

stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$(sha256sum "$2" | cut -d' ' -f1)" ]; }

if ! stamp_ok "$tools/.pydeps/.installed" "$tools/requirements.txt"; then
  rm -rf "$tools/.pydeps"
  python3 -m pip install --quiet --root-user-action=ignore --disable-pip-version-check --no-warn-script-location \
    --target "$tools/.pydeps" -r "$tools/requirements.txt"
  sha256sum "$tools/requirements.txt" | cut -d' ' -f1 >"$tools/.pydeps/.installed"
fi
if ! stamp_ok "$tools/node_modules/.installed" "$tools/package-lock.json"; then
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
  sha256sum "$tools/package-lock.json" | cut -d' ' -f1 >"$tools/node_modules/.installed"
fi
export PYTHONPATH="$tools/.pydeps" REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
bin="$tools/node_modules/.bin"

echo "== YAML 1.1/1.2 agreement and closed allOf branches"
python3 "$tools/contract_checks.py" "$spec"

echo "== openapi-spec-validator $(python3 -c 'import importlib.metadata as m; print(m.version("openapi-spec-validator"))')"
python3 -m openapi_spec_validator "$spec"

echo "== redocly lint"
(cd "$spec_dir" && "$bin/redocly" lint --config tools/redocly/redocly.yaml --format=stylish openapi.yaml)

echo "== openapi-typescript and tsc --strict (clients/ts)"
"$bin/openapi-typescript" "$spec" -o "$client/src/schema.d.ts" --silent
"$bin/tsc" --version
"$bin/tsc" -p "$client/tsconfig.json"
echo "contract OK"
