#!/usr/bin/env bash
# govulncheck over the module. It fails CI on any vulnerability our code
# reaches, in a third-party module or in the standard library of the Go
# release CI builds with (.ci/run sets GOTOOLCHAIN to the release deployments
# use; each finding is printed with the release that fixes it).
#
# The vulnerability database is vuln.go.dev; where that host cannot be
# reached (CI machines without outside DNS), the same data is built from a
# pinned snapshot of golang.org/x/vulndb served by the Go module proxy.
set -euo pipefail
GOVULNCHECK=golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB=v0.0.0-20261105234957-e22db6528018

out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
if ! go run $GOVULNCHECK -format json ./... >"$out" 2>"$err"; then
  if grep -q "fetching vulnerabilities" "$err"; then
    echo "vuln.go.dev unreachable; using golang.org/x/vulndb@$VULNDB from the module proxy"
    dir=$(go mod download -json golang.org/x/vulndb@$VULNDB | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
    db=$(mktemp -d)
    go run golang.org/x/vulndb/cmd/indexdb@$VULNDB -vulns "$dir/data/osv" -out "$db"
    go run $GOVULNCHECK -db "file://$db" -format json ./... >"$out"
  else
    cat "$err" >&2
    exit 1
  fi
fi

python3 - "$out" <<'PY'
import json, sys
dec, text, i = json.JSONDecoder(), open(sys.argv[1]).read(), 0
called = {}
while i < len(text):
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    obj, i = dec.raw_decode(text, i)
    f = obj.get("finding")
    if f and f.get("trace") and f["trace"][0].get("function"):
        top = f["trace"][0]
        called[f["osv"]] = (top.get("module"), top.get("package"), f.get("fixed_version", "none"))
std = {k: v for k, v in called.items() if v[0] == "stdlib"}
mods = {k: v for k, v in called.items() if v[0] != "stdlib"}
for k, (m, p, fix) in sorted(std.items()):
    print(f"VULNERABLE: {k} in the standard library ({p}), reached by our code; fixed in Go {fix.lstrip('v')}")
for k, (m, p, fix) in sorted(mods.items()):
    print(f"VULNERABLE: {k} in {m} ({p}), reached by our code; fixed in {fix}")
print(f"govulncheck: {len(mods)} reachable in modules, {len(std)} in the standard library")
sys.exit(1 if mods or std else 0)
PY
