#!/usr/bin/env bash
# Validates deploy/ offline (part of the test command; no cluster and no Docker engine needed):
#   1. every Kubernetes manifest against the API schemas (kubernetes-validate --strict, oldest and newest
#      supported versions), and a deliberately broken manifest must be refused (the validator works);
#   2. the manifests, compose.yaml and the Prometheus files agree (Tests/Deploy/check_consistency.py);
#   3. deploy/kserve against KServe's CRD schemas in ../shared/kserve (unknown fields refused, broken copies made
#      here must be refused), and against the server itself: the flags and variables its `serve --help` lists, and
#      a dry run of the binary with the runtime's arguments and environment (Tests/Deploy/check_kserve.py);
#   4. promtool: the Prometheus configuration, the alert rules, and the alerts' unit tests.
# Usage: scripts/check-deploy.sh [path/to/shufflenet]   (default: the release build)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "kubernetes-validate==1.*" "jsonschema==4.26.0" "pyyaml==6.0.4"

manifests=()
while read -r name; do manifests+=("deploy/kubernetes/$name"); done < <(
    "$venv/bin/python" -c 'import yaml; print("\n".join(yaml.safe_load(open("deploy/kubernetes/kustomization.yaml"))["resources"]))')
for version in 1.30.0 1.37.0; do
    "$venv/bin/kubernetes-validate" --strict --quiet -k "$version" "${manifests[@]}"
done
echo "kubernetes-validate: ${#manifests[@]} manifests valid for Kubernetes 1.30 and 1.37"

broken=$(mktemp --suffix=.yaml)
trap 'rm -f "$broken"' EXIT
sed 's/containerPort: 8080/containerPort: "8080"/' deploy/kubernetes/deployment.yaml > "$broken"
if "$venv/bin/kubernetes-validate" --strict --quiet "$broken" >/dev/null 2>&1; then
    echo "check-deploy: kubernetes-validate accepted a manifest with a string containerPort" >&2
    exit 1
fi

"$venv/bin/python" Tests/Deploy/check_consistency.py .
"$venv/bin/python" Tests/Deploy/check_kserve.py . "${1:-.build/release/shufflenet}"

promtool check config deploy/prometheus/prometheus.yml
promtool check rules deploy/prometheus/alerts.yml
promtool test rules deploy/prometheus/alerts_test.yml
