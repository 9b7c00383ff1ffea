#!/bin/sh
#
# Makes the RS256 and ES256 test keys and tokens of tests/test_crypto.c
# with the openssl CLI.  The private keys are test material only.  Run
# from this directory; the committed files came from one run of it, and a
# new run makes new keys and tokens (the tests read whatever is here).

set -eu

b64url() {
    openssl base64 -A | tr '+/' '-_' | tr -d '='
}

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out rsa-private.pem 2>/dev/null
openssl pkey -in rsa-private.pem -pubout -out rsa-public.pem
openssl req -new -x509 -key rsa-private.pem -subj /CN=faas-test \
    -days 36500 -out rsa-cert.pem

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out ec-private.pem
openssl pkey -in ec-private.pem -pubout -out ec-public.pem

# keys the verifier must refuse for RS256/ES256
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 2>/dev/null \
    | openssl pkey -pubout -out rsa1024-public.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
    | openssl pkey -pubout -out ec384-public.pem

claims='{"sub":"alice","iss":"faas-test","aud":["edge","api"],'
claims="$claims"'"iat":1700000000,"nbf":1700000000,"exp":4102444800}'

# RS256: PKCS #1 v1.5 signature over "header.payload"
input="$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)"
input="$input.$(printf '%s' "$claims" | b64url)"
sig="$(printf '%s' "$input" \
    | openssl dgst -sha256 -sign rsa-private.pem -binary | b64url)"
printf '%s.%s\n' "$input" "$sig" > rs256.jwt

# ES256: openssl writes a DER ECDSA-Sig-Value, JWS wants R || S of 32
# bytes each (RFC 7518 section 3.4)
input="$(printf '{"alg":"ES256","typ":"JWT"}' | b64url)"
input="$input.$(printf '%s' "$claims" | b64url)"
printf '%s' "$input" \
    | openssl dgst -sha256 -sign ec-private.pem -binary > es256.der
rs=""
for n in $(openssl asn1parse -inform DER -in es256.der \
           | sed -n 's/.*INTEGER *:\([0-9A-F]*\)$/\1/p'); do
    rs="$rs$(printf '%064s' "$n" | tr ' ' 0)"
done
rm es256.der
sig="$(printf '%s' "$rs" | perl -pe 's/(..)/chr hex $1/ge' | b64url)"
printf '%s.%s\n' "$input" "$sig" > es256.jwt
