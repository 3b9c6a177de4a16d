#!/usr/bin/env bash
# `npm run check:deploy`: validates the Kubernetes chart (deploy/sales-saga) offline, since no
# Kubernetes can run on the build machines:
#   1. helm lint --strict, with the default values and with deploy/values-production.yaml;
#   2. helm template with each of them, for the pinned Kubernetes version;
#   3. kubeconform -strict on every rendered manifest, against that version's JSON schemas from the
#      kubernetes-validate wheel (nothing is fetched from the internet).
# Extra arguments are passed to every `helm template` (e.g. `--set api.port=8080`), so a test can
# check that a bad value is caught. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

# HELM, KUBECONFORM, KUBERNETES_VERSION, SCHEMA_LOCATION (one KEY=value line each)
tools=$(bash scripts/ensure-deploy-tools.sh)
while IFS='=' read -r key value; do printf -v "$key" '%s' "$value"; done <<< "$tools"
chart=deploy/sales-saga
out=.artifacts/deploy
mkdir -p "$out"

for values in default production; do
  args=()
  [ "$values" = production ] && args=(--values deploy/values-production.yaml)
  echo "[check:deploy] helm lint --strict ($values values)" >&2
  "$HELM" lint --strict --quiet --kube-version "$KUBERNETES_VERSION" "$chart" "${args[@]}" >&2
  echo "[check:deploy] helm template ($values values) → $out/$values.yaml" >&2
  "$HELM" template sales-saga "$chart" --namespace sales-saga --kube-version "$KUBERNETES_VERSION" \
    "${args[@]}" "$@" > "$out/$values.yaml"
done
# one run for both files: kubeconform compiles each kind's schema once
echo "[check:deploy] kubeconform -strict (Kubernetes $KUBERNETES_VERSION schemas)" >&2
"$KUBECONFORM" -strict -summary -kubernetes-version "$KUBERNETES_VERSION" \
  -schema-location "$SCHEMA_LOCATION" "$out/default.yaml" "$out/production.yaml"
echo "[check:deploy] the chart is valid" >&2
