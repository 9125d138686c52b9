#!/usr/bin/env bash
# Validates deploy/: renders every kustomize overlay (alone and with the ServiceMonitor component),
# validates each rendered object against the Kubernetes OpenAPI schemas of a pinned version
# (kubernetes-validate, strict) and the ServiceMonitor against deploy/kubernetes/schemas/, checks
# that the policy copies in the base match policies/, and runs `systemd-analyze verify` on the unit
# when systemd-analyze exists. With --lessor BIN it also checks every overlay's lessor.yaml with
# `lessor server --check-config` and the rendered policy ConfigMap with `lessor policy check`.
#
#   scripts/validate-deploy.sh                      # manifests and the systemd unit
#   scripts/validate-deploy.sh --lessor .build/debug/lessor [--config-only]
#   scripts/validate-deploy.sh --self-test          # proves a broken manifest fails
set -euo pipefail
cd "$(dirname "$0")/.."

KUBERNETES_VERSION=1.33.0          # the oldest Kubernetes these manifests support
KUBERNETES_VALIDATE_VERSION=1.37.0 # pinned: its bundled schemas decide what passes

lessor=""
config_only=false
self_test=false
while (($#)); do
    case "$1" in
    --lessor) lessor="$(realpath "$2")"; shift 2 ;;
    --config-only) config_only=true; shift ;;
    --self-test) self_test=true; shift ;;
    *) echo "usage: $0 [--lessor BIN] [--config-only] [--self-test]" >&2; exit 2 ;;
    esac
done

overlays=(embedded ha)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_tools() {
    if ! command -v kubectl >/dev/null; then
        echo "installing: kubectl (apt)"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq kubectl
    fi
    # shellcheck source=scripts/python-env.sh
    source scripts/python-env.sh
    python_env "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
}

# render DIR OUT [COMPONENT]: kubectl kustomize of an overlay, optionally with a component added
# through a throwaway kustomization.
render() {
    local overlay="$1" out="$2" component="${3:-}"
    if [ -n "$component" ]; then
        local wrapper="$work/wrap-$(basename "$overlay")-$(basename "$component")"
        mkdir -p "$wrapper"
        printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [%s]\ncomponents: [%s]\n' \
            "$(realpath --relative-to="$wrapper" "$overlay")" "$(realpath --relative-to="$wrapper" "$component")" \
            >"$wrapper/kustomization.yaml"
        overlay="$wrapper"
    fi
    kubectl kustomize "$overlay" >"$out"
}

# check_rendered FILE: built-in kinds against the Kubernetes schemas, ServiceMonitors against ours,
# anything else refused.
check_rendered() {
    python3 - "$1" "$work" deploy/kubernetes/schemas/servicemonitor.schema.json <<'PY'
import json, os, sys, yaml, jsonschema
path, work, schema_path = sys.argv[1:]
documents = [d for d in yaml.safe_load_all(open(path)) if d is not None]
builtin, failures = [], []
schema = json.load(open(schema_path))
for doc in documents:
    kind, api = doc.get("kind"), doc.get("apiVersion", "")
    name = f"{kind}/{doc.get('metadata', {}).get('name')}"
    if api.endswith(".coreos.com/v1") and kind == "ServiceMonitor":
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=str)
        failures += [f"{name}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
    elif "." in api.split("/")[0] and not api.split("/")[0].endswith(".k8s.io"):
        failures.append(f"{name}: {api} is a custom resource with no schema in deploy/kubernetes/schemas")
    else:
        builtin.append(doc)
target = os.path.join(work, "builtin.yaml")
with open(target, "w") as out:
    yaml.safe_dump_all(builtin, out, sort_keys=False)
for failure in failures:
    print(f"ERROR {path}: {failure}", file=sys.stderr)
print(f"{len(builtin)} built-in object(s), {len(documents) - len(builtin)} custom resource(s)")
sys.exit(1 if failures else 0)
PY
    kubernetes-validate --strict --quiet --kubernetes-version "$KUBERNETES_VERSION" "$work/builtin.yaml"
}

check_policy_copies() {
    local failed=0 source flat
    for source in policies/*.yaml policies/*/*.yaml; do
        case "$source" in policies/tests/*) continue ;; esac
        flat="${source#policies/}"
        flat="deploy/kubernetes/base/policies/${flat//\//-}"
        if ! cmp -s "$source" "$flat"; then
            echo "ERROR: $flat differs from $source (or is missing); copy it again" >&2
            failed=1
        fi
    done
    for flat in deploy/kubernetes/base/policies/*.yaml; do
        grep -q "policies/$(basename "$flat")\$" deploy/kubernetes/base/kustomization.yaml ||
            { echo "ERROR: $flat is not listed in the base's configMapGenerator" >&2; failed=1; }
    done
    return "$failed"
}

# check_config OVERLAY: extracts lessor.yaml and the policies from the rendered ConfigMaps, points
# their absolute paths into a scratch root, and asks the real binary.
check_config() {
    local overlay="$1" root="$work/config-$1"
    mkdir -p "$root"
    render "deploy/kubernetes/overlays/$overlay" "$root/rendered.yaml"
    python3 - "$root" <<'PY'
import os, sys, yaml
root = sys.argv[1]
docs = [d for d in yaml.safe_load_all(open(os.path.join(root, "rendered.yaml"))) if d]
maps = {d["metadata"]["name"].rsplit("-", 1)[0] if d["metadata"]["name"].startswith("lessor-config-") else d["metadata"]["name"]: d
        for d in docs if d["kind"] == "ConfigMap"}
policies = os.path.join(root, "etc/lessor/policies")
os.makedirs(policies)
for name, text in maps["lessor-policies"]["data"].items():
    open(os.path.join(policies, name), "w").write(text)
config = maps["lessor-config"]["data"]["lessor.yaml"]
for prefix, scratch in (("/etc/lessor/", "etc/lessor/"), ("/var/run/secrets/lessor/", "secrets/"), ("/var/lib/lessor", "data")):
    config = config.replace(prefix, os.path.join(root, scratch))
open(os.path.join(root, "etc/lessor/lessor.yaml"), "w").write(config)
PY
    # The TLS Secret's files, as the cluster mounts them; the development pair stands in.
    mkdir -p "$root/etc/lessor/tls"
    cp certs-dev/server-chain.pem "$root/etc/lessor/tls/tls.crt"
    cp certs-dev/server-key.pem "$root/etc/lessor/tls/tls.key"
    echo "-- $overlay: lessor server --check-config"
    "$lessor" server --check-config --config "$root/etc/lessor/lessor.yaml"
    echo "-- $overlay: lessor policy check (the rendered lessor-policies ConfigMap)"
    "$lessor" policy check "$root/etc/lessor/policies"
}

check_systemd() {
    if ! command -v systemd-analyze >/dev/null; then
        echo "skipped: systemd-analyze is not installed, deploy/systemd/lessor.service not verified"
        return 0
    fi
    # verify wants the ExecStart binary to exist: point the unit at a stand-in executable.
    local unit="$work/systemd/lessor.service"
    mkdir -p "$work/systemd"
    printf '#!/bin/sh\nexit 0\n' >"$work/systemd/lessor" && chmod 0755 "$work/systemd/lessor"
    sed "s#/usr/local/bin/lessor#$work/systemd/lessor#g" deploy/systemd/lessor.service >"$unit"
    local output
    if ! output="$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$unit" 2>&1)" || [ -n "$output" ]; then
        echo "$output" >&2
        echo "ERROR: systemd-analyze verify deploy/systemd/lessor.service" >&2
        return 1
    fi
    echo "systemd-analyze verify: deploy/systemd/lessor.service OK"
}

validate_manifests() {
    local overlay rendered
    check_policy_copies
    echo "policy copies match policies/"
    for overlay in "${overlays[@]}"; do
        rendered="$work/$overlay.yaml"
        echo "-- $overlay: kubectl kustomize + kubernetes-validate $KUBERNETES_VERSION"
        render "deploy/kubernetes/overlays/$overlay" "$rendered"
        check_rendered "$rendered"
        echo "-- $overlay + components/servicemonitor"
        render "deploy/kubernetes/overlays/$overlay" "$rendered" deploy/kubernetes/components/servicemonitor
        check_rendered "$rendered"
    done
}

# Breaks a copy of deploy/ in several ways; each must make validation fail.
self_test() {
    local copy="$work/self-test" case
    for case in container-port service-monitor-scheme unknown-field; do
        rm -rf "$copy" && mkdir -p "$copy/scripts" && cp -r deploy policies "$copy/"
        cp "$0" "$copy/scripts/validate-deploy.sh"
        case "$case" in
        container-port) sed -i 's/containerPort: 8200/containerPort: "8200"/' "$copy/deploy/kubernetes/base/deployment.yaml" ;;
        service-monitor-scheme) sed -i 's/scheme: http$/scheme: tcp/' "$copy/deploy/kubernetes/components/servicemonitor/servicemonitor.yaml" ;;
        unknown-field) sed -i 's/^  maxUnavailable: 1/  maxUnavailable: 1\n  maxUnavalable: 1/' "$copy/deploy/kubernetes/base/pdb.yaml" ;;
        esac
        if (cd "$copy" && scripts/validate-deploy.sh >"$work/self-test.log" 2>&1); then
            echo "ERROR: self-test: a broken manifest ($case) passed validation" >&2
            return 1
        fi
        echo "self-test: broken manifest ($case) refused: $(grep -m1 -i 'error\|invalid\|fail' "$work/self-test.log" | cut -c1-160)"
    done
}

install_tools
if ! $config_only; then
    validate_manifests
    check_systemd
fi
if [ -n "$lessor" ]; then
    for overlay in "${overlays[@]}"; do check_config "$overlay"; done
elif $config_only; then
    echo "--config-only needs --lessor BIN" >&2
    exit 2
fi
if $self_test; then self_test; fi
echo "deploy/ valid"
