"""Writes what bench/sts.sh runs: an RS256 issuer (JWKS file and one workload token of tenant
acme), the role acme-deployer in moto, the broker's upstream credentials, a policy bundle giving
acme's workloads aws/roles/deployer, the broker configuration, and the two request bodies.
Usage: sts_setup.py <directory> <moto endpoint> <broker port>"""
import base64, json, os, sys, time, urllib.parse

import boto3
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

directory, moto, port = sys.argv[1], sys.argv[2], sys.argv[3]
issuer = "https://issuer.bench"
role = "arn:aws:iam::123456789012:role/acme-deployer"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def write(name, text):
    with open(os.path.join(directory, name), "w") as file:
        file.write(text)


key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
numbers = key.public_key().public_numbers()
jwk = {"kty": "RSA", "kid": "bench", "alg": "RS256", "use": "sig",
       "n": b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")), "e": b64(numbers.e.to_bytes(3, "big"))}
write("jwks.json", json.dumps({"keys": [jwk]}))
now = int(time.time())
claims = {"iss": issuer, "sub": "system:serviceaccount:tenant-acme:app", "aud": ["lessor"], "iat": now,
          "nbf": now, "exp": now + 3600,
          "kubernetes.io": {"namespace": "tenant-acme", "serviceaccount": {"name": "app", "uid": "u-1"}}}
signing_input = b64(json.dumps({"alg": "RS256", "kid": "bench", "typ": "JWT"}).encode()) + "." + b64(
    json.dumps(claims).encode())
signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
token = signing_input + "." + b64(signature)

iam = boto3.client("iam", endpoint_url=moto, region_name="us-east-1", aws_access_key_id="AKIABENCH",
                   aws_secret_access_key="bench")
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                 "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
iam.create_role(RoleName="acme-deployer", AssumeRolePolicyDocument=json.dumps(trust))
write("aws-credentials", "[lessor]\naws_access_key_id = AKIABENCH\naws_secret_access_key = bench\n")

os.makedirs(os.path.join(directory, "policies"), exist_ok=True)
write("policies/bundle.yaml", f"""classes:
  - name: basic
    default_ttl: 15m
    max_ttl: 1h
    engines: [aws]
    residency: [eu-west-1]
    audit_retention_days: 90
    rate_limit: {{requests_per_second: 100000, burst: 100000}}
    max_leases: 10000000
    isolation: pooled
tenants:
  - {{id: acme, class: basic}}
bindings:
  - name: workloads
    issuer: {issuer}
    audiences: [lessor]
    bound_claims:
      sub: "system:serviceaccount:*"
      kubernetes.io.namespace: tenant-*
    tenant_from: {{claim: kubernetes.io.namespace, template: "tenant-{{tenant}}"}}
    policies: [app]
policies:
  - name: app
    rules:
      - path: aws/roles/deployer
        capabilities: [read]
""")
write("lessor.yaml", f"""server:
  address: 127.0.0.1
  port: {port}
  tls: {{disabled_for_loopback: true}}
log_level: warning
issuers:
  - issuer: {issuer}
    jwks_file: {directory}/jwks.json
    audiences: [lessor]
    algorithms: [RS256]
policies: {directory}/policies
data_dir: {directory}/data
engines:
  aws:
    sts_region: us-east-1
    sts_endpoint: {moto}
    iam_endpoint: {moto}
    credentials: {{source: shared_file, path: {directory}/aws-credentials, profile: lessor}}
    roles:
      - name: deployer
        role_arn: "arn:aws:iam::123456789012:role/{{{{tenant}}}}-deployer"
        max_duration: 1h
        session_policy: |
          {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "dynamodb:*",
            "Resource": "arn:aws:dynamodb:*:*:table/{{{{tenant}}}}-*"}}]}}
""")
form = urllib.parse.urlencode
write("assume-role-with-web-identity.form", form({
    "Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": role,
    "RoleSessionName": "bench", "WebIdentityToken": token, "DurationSeconds": "900"}))
write("assume-role.form", form({
    "Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": role, "RoleSessionName": "acme@bench",
    "DurationSeconds": "900",
    "Policy": '{"Statement":[{"Action":"dynamodb:*","Effect":"Allow","Resource":"arn:aws:dynamodb:*:*:table/acme-*"}],"Version":"2012-10-17"}',
    "Tags.member.1.Key": "tenant", "Tags.member.1.Value": "acme"}))
