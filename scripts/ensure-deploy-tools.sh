#!/usr/bin/env bash
# The tools `npm run check:deploy` validates the Kubernetes chart (deploy/) with, provisioned once
# into the project's cache (~/.cache/sales-saga, or STACK_CACHE_DIR) and reused by every clone:
#
# - helm and kubeconform, built from their Go modules with `go install` (pinned tags; minutes on a
#   small machine the first time, then nothing);
# - the Kubernetes JSON schemas kubeconform validates against, taken from the PyPI wheel
#   kubernetes-validate (pinned), so nothing is fetched from GitHub at validation time. The wheel's
#   schemas name themselves https://kubernetes.io/api/… and point at their shared definitions as
#   "/api/_definitions.json", which only the package's own resolver maps to a file (kubeconform
#   would try to download it); a copy of the pinned Kubernetes version's schemas without those ids
#   and with the reference made relative is what kubeconform reads.
#
# Prints `KEY=value` lines for the caller (the tools' paths, the schema location template); progress
# goes to stderr. Safe to run concurrently: one run builds, the others wait for it.
set -euo pipefail

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
KUBERNETES_VALIDATE_VERSION=1.37.0
# The Kubernetes version the chart is validated against (helm --kube-version, kubeconform
# -kubernetes-version); the wheel above ships schemas for 1.25 … 1.37.
KUBERNETES_VERSION=1.33.0

cache="${STACK_CACHE_DIR:-$HOME/.cache/sales-saga}"
bin="$cache/bin"
wheel_dir="$cache/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION"
schema_dir="$cache/kubeconform-schemas/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION-k8s-$KUBERNETES_VERSION"
mkdir -p "$bin" "$cache/kubeconform-schemas"

say() { echo "[deploy-tools] $*" >&2; }

# The module version recorded in a Go binary's build info (empty when the file is missing).
built_version() {
  [ -x "$1" ] || return 0
  go version -m "$1" 2>/dev/null | awk -v mod="$2" '$1 == "mod" && $2 == mod { print $3 }'
}

go_tool() {
  local name=$1 module=$2 package=$3 version=$4
  if [ "$(built_version "$bin/$name" "$module")" = "$version" ]; then return 0; fi
  command -v go >/dev/null || { say "go is not installed; $name $version cannot be built"; exit 1; }
  say "building $name $version with go install (once; a few minutes)…"
  local started=$SECONDS
  # GOTOOLCHAIN=local: build with this machine's Go, never download another toolchain.
  GOBIN="$bin" GOFLAGS=-buildvcs=false GOTOOLCHAIN=local go install "$package@$version" >&2
  say "$name $version built in $((SECONDS - started)) s"
}

kubernetes_schemas() {
  if [ -f "$schema_dir/.complete" ]; then return 0; fi
  if [ ! -f "$wheel_dir/.complete" ]; then
    say "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION (its Kubernetes JSON schemas, once)…"
    rm -rf "$wheel_dir.tmp"
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-deps \
      --target "$wheel_dir.tmp" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >&2
    rm -rf "$wheel_dir" && mv "$wheel_dir.tmp" "$wheel_dir" && touch "$wheel_dir/.complete"
  fi
  say "preparing the schemas for kubeconform…"
  local shipped="$wheel_dir/kubernetes_validate/kubernetes-json-schema"
  rm -rf "$schema_dir.tmp" && mkdir -p "$schema_dir.tmp"
  local flavour
  for flavour in local local-strict; do
    local from="$shipped/v$KUBERNETES_VERSION-$flavour" to="$schema_dir.tmp/v$KUBERNETES_VERSION-$flavour"
    [ -f "$from/_definitions.json" ] || { say "kubernetes-validate $KUBERNETES_VALIDATE_VERSION has no schemas for Kubernetes $KUBERNETES_VERSION"; exit 1; }
    mkdir -p "$to"
    python3 - "$from" "$to" <<'PY'
import json, pathlib, sys
source, target = map(pathlib.Path, sys.argv[1:])
for path in source.glob("*.json"):
    schema = json.loads(path.read_text())
    # Each schema names itself https://kubernetes.io/api/…; kubeconform would resolve the shared
    # definitions against that and try to download them. Without the id, a schema's base is its
    # own file, and the definitions are found next to it.
    schema.pop("$id", None)
    text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
    (target / path.name).write_text(text)
PY
  done
  rm -rf "$schema_dir" && mv "$schema_dir.tmp" "$schema_dir" && touch "$schema_dir/.complete"
}

exec 9>"$cache/.deploy-tools.lock"
flock 9

go_tool kubeconform github.com/yannh/kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
go_tool helm helm.sh/helm/v3 helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
kubernetes_schemas

echo "HELM=$bin/helm"
echo "KUBECONFORM=$bin/kubeconform"
echo "KUBERNETES_VERSION=$KUBERNETES_VERSION"
echo "SCHEMA_LOCATION=$schema_dir/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
