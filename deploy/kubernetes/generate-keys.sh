#!/usr/bin/env bash
# Creates the keys the ha overlay's replicas share, with the lessor binary's own code, and writes
# them as Secret manifests:
#   OUT/broker.key                     seals tenants' data keys in the shared store
#   OUT/token-keys/<kid>.json          the token engine's signing key
#   OUT/audit-keys/{signing.key,hash.key,public-key.json}
#   OUT/secrets.yaml                   Secrets lessor-broker-key, lessor-token-keys, lessor-audit-keys
# The keys are made by starting `lessor server` once on a scratch data directory (loopback, a
# throwaway configuration, no network), which creates them exactly as a first start would.
#
#   deploy/kubernetes/generate-keys.sh OUT [path/to/lessor]
#   kubectl apply -n lessor -f OUT/secrets.yaml
# Keep OUT somewhere safe (a secret manager) or delete it: whoever holds broker.key can open the
# store's revocation handles, and signing.key can forge audit checkpoints.
set -euo pipefail

out="${1:?usage: $0 OUT [lessor binary]}"
lessor="${2:-lessor}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
[ ! -e "$out" ] || { echo "$out exists; choose a new directory" >&2; exit 1; }
umask 077
mkdir -p "$out"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

echo '{"keys":[]}' >"$scratch/jwks.json"
cat >"$scratch/lessor.yaml" <<EOF
server: {address: 127.0.0.1, port: 0, tls: {disabled_for_loopback: true}}
issuers:
  - {issuer: https://key-generation.invalid, jwks_file: jwks.json, audiences: [none]}
policies: $repo/policies
data_dir: $scratch/data
EOF
"$lessor" server --config "$scratch/lessor.yaml" >"$scratch/log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
    if compgen -G "$scratch/data/token-keys/*.json" >/dev/null && [ -s "$scratch/data/audit/keys/public-key.json" ]; then
        break
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$scratch/log" >&2; exit 1; }
    sleep 0.1
done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
compgen -G "$scratch/data/token-keys/*.json" >/dev/null || { cat "$scratch/log" >&2; exit 1; }

cp "$scratch/data/broker.key" "$out/broker.key"
cp -r "$scratch/data/token-keys" "$out/token-keys"
mkdir "$out/audit-keys"
cp "$scratch/data/audit/keys/signing.key" "$scratch/data/audit/keys/hash.key" \
    "$scratch/data/audit/keys/public-key.json" "$out/audit-keys/"

{
    kubectl create secret generic lessor-broker-key --from-file=broker.key="$out/broker.key" \
        --dry-run=client -o yaml
    echo "---"
    kubectl create secret generic lessor-token-keys --from-file="$out/token-keys" --dry-run=client -o yaml
    echo "---"
    kubectl create secret generic lessor-audit-keys --from-file="$out/audit-keys" --dry-run=client -o yaml
} >"$out/secrets.yaml"
echo "keys and $out/secrets.yaml written; give $out/audit-keys/public-key.json to auditors"
