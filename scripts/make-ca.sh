#!/usr/bin/env bash
# Makes a throwaway certificate authority and a scheduler certificate signed by it, for demos,
# tests and first trials (a production CA keeps its key elsewhere).
#   scripts/make-ca.sh DIR [SAN]             SAN default: IP:127.0.0.1,DNS:localhost
#   scripts/make-ca.sh DIR --client NAME     a client certificate (mutual TLS) from DIR's CA
# Writes DIR/ca.pem (give it to clients: --ca-file, SHARC_CA_FILE), DIR/scheduler.pem and
# DIR/scheduler-key.pem (the scheduler's tls.cert_file and tls.key_file), or
# DIR/NAME.pem and DIR/NAME-key.pem. Keys are mode 0600; the CA is valid for 30 days.
set -euo pipefail
dir=${1:?usage: make-ca.sh DIR [SAN] | DIR --client NAME}
mkdir -p "$dir"
umask 077
days=30
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
sign() {  # sign NAME SUBJECT EXTENSIONS
  key "$dir/$1-key.pem"
  openssl req -new -key "$dir/$1-key.pem" -subj "$2" -out "$dir/$1.csr"
  printf '%s\n' "$3" > "$dir/$1.ext"
  openssl x509 -req -in "$dir/$1.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
    -CAcreateserial -days "$days" -extfile "$dir/$1.ext" -out "$dir/$1.pem" 2>/dev/null
  rm -f "$dir/$1.csr" "$dir/$1.ext"
}

if [ "${2:-}" = "--client" ]; then
  name=${3:?usage: make-ca.sh DIR --client NAME}
  sign "$name" "/CN=$name" "extendedKeyUsage=clientAuth"
  exit 0
fi
san=${2:-IP:127.0.0.1,DNS:localhost}
key "$dir/ca-key.pem"
openssl req -x509 -new -key "$dir/ca-key.pem" -subj "/CN=sharc throwaway CA" -days "$days" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out "$dir/ca.pem"
sign scheduler "/CN=sharc-scheduler" "subjectAltName=$san
extendedKeyUsage=serverAuth"
chmod 644 "$dir/ca.pem" "$dir/scheduler.pem"
