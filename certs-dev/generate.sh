#!/usr/bin/env bash
# Regenerates the DEVELOPMENT-ONLY certificates in this folder: a CA, a server certificate for
# localhost / 127.0.0.1 / ::1, and an mTLS client certificate for admin tests. Never deploy them.
set -euo pipefail

out="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

serial() { echo "0x$(openssl rand -hex 16)"; }

new_key() {
    # EC P-256 in PKCS#8 PEM ("BEGIN PRIVATE KEY").
    (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1")
}

cat >"$work/ca.ext" <<'EOF'
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF

cat >"$work/server.ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
EOF

cat >"$work/client.ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
EOF

# Development CA, 10 years.
new_key "$out/ca-key.pem"
openssl req -new -key "$out/ca-key.pem" -subj "/O=Lessor Development/CN=Lessor Development CA" \
    -out "$work/ca.csr"
openssl x509 -req -in "$work/ca.csr" -signkey "$out/ca-key.pem" -sha256 -days 3650 \
    -set_serial "$(serial)" -extfile "$work/ca.ext" -out "$out/ca.pem"

# Signs $1.csr with the CA into $2 using extensions $3, valid 825 days.
sign() {
    openssl x509 -req -in "$1" -CA "$out/ca.pem" -CAkey "$out/ca-key.pem" -sha256 -days 825 \
        -set_serial "$(serial)" -extfile "$3" -out "$2"
}

# Server certificate for localhost, 127.0.0.1 and ::1.
new_key "$out/server-key.pem"
openssl req -new -key "$out/server-key.pem" -subj "/O=Lessor Development/CN=localhost" \
    -out "$work/server.csr"
sign "$work/server.csr" "$out/server.pem" "$work/server.ext"
cat "$out/server.pem" "$out/ca.pem" >"$out/server-chain.pem"

# Client certificate for mTLS admin tests.
new_key "$out/client-key.pem"
openssl req -new -key "$out/client-key.pem" -subj "/O=Lessor Development/CN=lessor-dev-admin" \
    -out "$work/client.csr"
sign "$work/client.csr" "$out/client.pem" "$work/client.ext"

openssl verify -CAfile "$out/ca.pem" "$out/server.pem" "$out/client.pem"
