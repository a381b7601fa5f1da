#!/usr/bin/env bash
# Writes the seed corpora of the fuzz targets from the simulator's real answers:
#   corpus/decode_answer/<endpoint>-<case>   "<endpoint>\n" + the raw HTTP/1.1 answer (curl -i)
#   corpus/c_json/<case>                      "<JSON pointer>\n" + an answer body the C helpers read
# Run it through the simulator wrapper when the simulator's answers change, and commit the result:
#   AUTHCLOUD_SIM=target/x86_64-unknown-linux-gnu/debug/authcloud-sim scripts/with-sim.sh -- fuzz/make-seeds.sh
# The error bodies documented in the API reference (and a few a proxy could send) are kept in
# corpus/decode_answer/spec-* by hand; this script does not touch them.
set -euo pipefail

base=${NEVIS_AUTHCLOUD_BASE_URL:?run under scripts/with-sim.sh}
key=${NEVIS_AUTHCLOUD_ACCESS_KEY:?run under scripts/with-sim.sh}
here=$(cd "$(dirname "$0")" && pwd)
answers="$here/corpus/decode_answer"
json="$here/corpus/c_json"
mkdir -p "$answers" "$json"
find "$answers" -type f ! -name 'spec-*' -delete
find "$json" -type f -delete

auth=(-H "Authorization: Bearer $key")
jsonct=(-H "Content-Type: application/json")

# seed ENDPOINT CASE CURL-ARGS...: one answer of ENDPOINT, as received.
seed() {
  local endpoint=$1 case=$2
  shift 2
  { printf '%s\n' "$endpoint"; curl -sS -i "$@"; } >"$answers/$endpoint-$case"
}
# body CURL-ARGS...: just the body, for reading fields out of it.
body() { curl -sS "$@"; }
# fault JSON: the next matching request misbehaves as the simulator's fault plane says.
fault() { curl -sS -o /dev/null -X POST "$base/_sim/faults" "${jsonct[@]}" -d "$1"; }
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); [d:=d[int(k)] if isinstance(d,list) else d[k] for k in sys.argv[1].split("/")]; print(d)' "$1"; }

curl -sS -o /dev/null -X POST "$base/_sim/reset"

seed ping ok "$base/ping"

# Enrolments on every channel.
seed enroll app -X POST "$base/api/v1/users/enroll" "${auth[@]}" "${jsonct[@]}" -d '{"username":"alice","channel":"app"}'
seed enroll sms -X POST "$base/api/v1/users/enroll" "${auth[@]}" "${jsonct[@]}" -d '{"username":"bob","channel":"sms","phone":"+41791234567"}'
seed enroll fido2 -X POST "$base/api/v1/users/enroll" "${auth[@]}" "${jsonct[@]}" -d '{"username":"carol","channel":"fido2","displayName":"Carol"}'
seed enroll recovery -X POST "$base/api/v1/users/enroll" "${auth[@]}" "${jsonct[@]}" -d '{"username":"alice","channel":"recovery"}'
seed enroll bad-request -X POST "$base/api/v1/users/enroll" "${auth[@]}" "${jsonct[@]}" -d '{"username":"%%%","channel":"app"}'
seed enroll no-key -X POST "$base/api/v1/users/enroll" "${jsonct[@]}" -d '{"username":"alice","channel":"app"}'
seed enroll wrong-key -X POST "$base/api/v1/users/enroll" -H "Authorization: Bearer wrong" "${jsonct[@]}" -d '{"username":"alice"}'
seed enroll conflict -X POST "$base/api/v1/users/enroll" "${auth[@]}" "${jsonct[@]}" -d '{"username":"bob","channel":"sms","phone":"+41791234567"}'

# Confirm alice's app, so approvals and user reads have something to show.
enrol_tx=$(body "$base/_sim/operations" | python3 -c 'import json,sys; print([o for o in json.load(sys.stdin) if o["channel"]=="app" and o["kind"]=="enroll"][0]["transactionId"])')
curl -sS -o /dev/null -X POST "$base/_sim/operations/$enrol_tx/accept" "${jsonct[@]}" -d '{"platform":"android","name":"Pixel"}'
alice=$(body "$base/api/v1/users?username=alice" "${auth[@]}" | field userId)
authenticator=$(body "$base/api/v1/users/$alice" "${auth[@]}" | field authenticators/0/authenticatorId)

seed approve push -X POST "$base/api/v1/approval" "${auth[@]}" "${jsonct[@]}" -d '{"username":"alice","channel":"push","prompt":true,"message":"Pay CHF 10 to Bob?"}'
seed approve usernameless -X POST "$base/api/v1/approval" "${auth[@]}" "${jsonct[@]}" -d '{"channel":"app"}'
seed approve fido2-autofill -X POST "$base/api/v1/approval" "${auth[@]}" "${jsonct[@]}" -d '{"channel":"fido2"}'
seed approve sms -X POST "$base/api/v1/approval" "${auth[@]}" "${jsonct[@]}" -d '{"username":"bob","channel":"sms"}'
seed approve not-found -X POST "$base/api/v1/approval" "${auth[@]}" "${jsonct[@]}" -d '{"username":"nobody","channel":"push"}'

# Status polling: pending, succeeded, failed (412), unknown.
pending=$(body -X POST "$base/api/v1/approval" "${auth[@]}" "${jsonct[@]}" -d '{"username":"alice","channel":"push"}' | field statusToken)
seed get_status pending -X POST "$base/api/v1/status" "${jsonct[@]}" -d "{\"statusToken\":\"$pending\"}"
approval=$(body -X POST "$base/api/v1/approval" "${auth[@]}" "${jsonct[@]}" -d '{"username":"alice","channel":"push"}')
tx=$(field transactionId <<<"$approval")
token=$(field statusToken <<<"$approval")
curl -sS -o /dev/null -X POST "$base/_sim/operations/$tx/accept"
seed get_status succeeded -X POST "$base/api/v1/status" "${jsonct[@]}" -d "{\"statusToken\":\"$token\"}"
transaction_token=$(body -X POST "$base/api/v1/status" "${jsonct[@]}" -d "{\"statusToken\":\"$token\"}" | field token)
approval=$(body -X POST "$base/api/v1/approval" "${auth[@]}" "${jsonct[@]}" -d '{"username":"alice","channel":"push"}')
curl -sS -o /dev/null -X POST "$base/_sim/operations/$(field transactionId <<<"$approval")/decline"
seed get_status failed -X POST "$base/api/v1/status" "${jsonct[@]}" -d "{\"statusToken\":\"$(field statusToken <<<"$approval")\"}"
seed get_status unknown -X POST "$base/api/v1/status" "${jsonct[@]}" -d '{"statusToken":"not-a-token"}'

# SMS verification of bob's enrolment: a wrong code, then the right one.
bob=$(body "$base/api/v1/users?username=bob" "${auth[@]}" | field userId)
curl -sS -o /dev/null -X DELETE "$base/api/v1/users/$bob" "${auth[@]}"
sms=$(body -X POST "$base/api/v1/users/enroll" "${auth[@]}" "${jsonct[@]}" -d '{"username":"bob","channel":"sms","phone":"+41791234567"}')
bob=$(field userId <<<"$sms")
sms_token=$(field enrollment/statusToken <<<"$sms")
code=$(body "$base/_sim/phones/+41791234567/last-sms" | field code)
seed verify wrong-code -X POST "$base/api/v1/users/$bob/verification" "${auth[@]}" "${jsonct[@]}" -d "{\"code\":\"000000x\",\"statusToken\":\"$sms_token\"}"
seed verify ok -X POST "$base/api/v1/users/$bob/verification" "${auth[@]}" "${jsonct[@]}" -d "{\"code\":\"$code\",\"statusToken\":\"$sms_token\"}"

# Intent tokens and introspection of every token kind.
seed create_intent ok -X POST "$base/api/v1/intent" "${auth[@]}" "${jsonct[@]}" -d '{"username":"alice","operation":"approve","channels":["push"]}'
intent=$(body -X POST "$base/api/v1/intent" "${auth[@]}" "${jsonct[@]}" -d '{"username":"alice","operation":"enroll"}' | field token)
seed introspect transaction -X POST "$base/api/v1/introspect" "${auth[@]}" --data-urlencode "token=$transaction_token"
seed introspect status -X POST "$base/api/v1/introspect" "${auth[@]}" --data-urlencode "token=$token"
seed introspect intent -X POST "$base/api/v1/introspect" "${auth[@]}" --data-urlencode "token=$intent"
seed introspect access-key -X POST "$base/api/v1/introspect" "${auth[@]}" --data-urlencode "token=$key"
seed introspect inactive -X POST "$base/api/v1/introspect" "${auth[@]}" --data-urlencode "token=garbage"

# Users and authenticators.
seed get_user active "$base/api/v1/users/$alice" "${auth[@]}"
seed get_user sms "$base/api/v1/users/$bob" "${auth[@]}"
seed get_user not-found "$base/api/v1/users/31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5e" "${auth[@]}"
seed find_user ok "$base/api/v1/users?username=alice" "${auth[@]}"
seed find_user not-found "$base/api/v1/users?username=nobody" "${auth[@]}"
seed find_aadb2c_user missing "$base/api/v1/aadb2c/users?objectId=31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5e" "${auth[@]}"
curl -sS -o /dev/null -X POST "$base/api/v1/users/enroll" "${auth[@]}" "${jsonct[@]}" -d '{"username":"9b2f1c3e-1d2a-4e5f-8a7b-6c5d4e3f2a1b","channel":"app"}'
b2c_tx=$(body "$base/_sim/operations?state=pending" | python3 -c 'import json,sys; print([o for o in json.load(sys.stdin) if o.get("username")=="9b2f1c3e-1d2a-4e5f-8a7b-6c5d4e3f2a1b"][0]["transactionId"])')
curl -sS -o /dev/null -X POST "$base/_sim/operations/$b2c_tx/accept"
seed find_aadb2c_user exists "$base/api/v1/aadb2c/users?objectId=9b2f1c3e-1d2a-4e5f-8a7b-6c5d4e3f2a1b" "${auth[@]}"
seed rename_authenticator ok -X PATCH "$base/api/v1/authenticators/$authenticator" "${auth[@]}" "${jsonct[@]}" -d '{"name":"Work phone"}'
seed delete_authenticator not-found -X DELETE "$base/api/v1/authenticators/31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5e" "${auth[@]}"
seed export_logs csv "$base/api/v1/logs/export?timespan=P1D" "${auth[@]}"
seed export_logs bad-filter "$base/api/v1/logs/export?filter=a" "${auth[@]}"

# FIDO2 completions: a ceremony the server rejects is a 400 result object.
fido2=$(body -X POST "$base/api/v1/users/enroll" "${auth[@]}" "${jsonct[@]}" -d '{"username":"dave","channel":"fido2","displayName":"Dave"}' | field enrollment/statusToken)
seed complete_attestation ok -X POST "$base/_app/attestation/result" "${jsonct[@]}" -d "{\"type\":\"public-key\",\"id\":\"AAAA\",\"response\":{\"clientDataJSON\":\"e30\",\"attestationObject\":\"oA\"},\"statusToken\":\"$fido2\"}"
seed complete_assertion rejected -X POST "$base/_app/assertion/result" "${jsonct[@]}" -d '{"type":"public-key","id":"AAAA","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA","userHandle":"AA"},"statusToken":"nope"}'
seed complete_assertion bad-request -X POST "$base/_app/assertion/result" "${jsonct[@]}" -d '{"type":"public-key"}'
seed delete_user ok -X DELETE "$base/api/v1/users/$bob" "${auth[@]}"

# Faults: what a failing server or a proxy in front of it sends.
fault '{"method":"POST","path":"/api/v1/approval","fault":"status","status":429,"retryAfter":"3"}'
seed approve rate-limited -X POST "$base/api/v1/approval" "${auth[@]}" "${jsonct[@]}" -d '{"username":"alice","channel":"push"}'
fault '{"method":"POST","path":"/api/v1/approval","fault":"status","status":503,"retryAfter":"Wed, 21 Oct 2037 07:28:00 GMT"}'
seed approve unavailable -X POST "$base/api/v1/approval" "${auth[@]}" "${jsonct[@]}" -d '{"username":"alice","channel":"push"}'
fault '{"method":"POST","path":"/api/v1/users/enroll","fault":"status","status":500}'
seed enroll server-error -X POST "$base/api/v1/users/enroll" "${auth[@]}" "${jsonct[@]}" -d '{"username":"erin","channel":"app"}'
fault '{"method":"POST","path":"/api/v1/status","fault":"status","status":502}'
seed get_status bad-gateway -X POST "$base/api/v1/status" "${jsonct[@]}" -d '{"statusToken":"x"}'
fault '{"method":"POST","path":"/api/v1/approval","fault":"redirect","status":302,"location":"http://evil.example/steal"}'
seed approve redirect -X POST "$base/api/v1/approval" "${auth[@]}" "${jsonct[@]}" -d '{"username":"alice","channel":"push"}'
fault '{"method":"POST","path":"/api/v1/approval","fault":"malformed"}'
seed approve malformed -X POST "$base/api/v1/approval" "${auth[@]}" "${jsonct[@]}" -d '{"username":"alice","channel":"push"}'
fault '{"method":"GET","path":"/api/v1/users","fault":"truncated"}'
seed find_user truncated "$base/api/v1/users?username=alice" "${auth[@]}"
fault '{"method":"POST","path":"/api/v1/users/enroll","fault":"empty"}'
seed enroll empty -X POST "$base/api/v1/users/enroll" "${auth[@]}" "${jsonct[@]}" -d '{"username":"frank","channel":"app"}'
fault '{"method":"POST","path":"/api/v1/introspect","fault":"contentType","value":"text/html"}'
seed introspect html -X POST "$base/api/v1/introspect" "${auth[@]}" --data-urlencode "token=$token"

# The C JSON helpers read enrolment and approval answers: "<pointer>\n<document>".
pointers=(/statusToken /enrollment/statusToken /enrollment/qrCode/size /authenticators/0/name "" /transactionId)
n=0
for file in "$answers"/enroll-* "$answers"/approve-* "$answers"/get_status-* "$answers"/get_user-active; do
  pointer=${pointers[$((n % ${#pointers[@]}))]}
  n=$((n + 1))
  { printf '%s\n' "$pointer"; sed '1,/^\r\{0,1\}$/d' "$file"; } >"$json/$(basename "$file")"
done
echo "wrote $(ls "$answers" | wc -l) answer seeds and $(ls "$json" | wc -l) JSON seeds"
