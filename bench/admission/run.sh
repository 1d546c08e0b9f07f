#!/usr/bin/env bash
# Admission webhook latency (issue 15): `garrison admission serve` answering AdmissionReviews over HTTPS at a fixed
# rate (default 200 requests/s for 10 s, alternating an allowed and a denied pod), from a Python client on keep-alive
# connections (4 of them, requests spread over them); prints p50/p90/p99/max of the round trip, and the same for
# GET /healthz (the TLS and HTTP floor) in the same run, interleaved with it: one-second slices of each in turn,
# so both see the same machine load.
# Needs openssl, python3. Usage: bench/admission/run.sh [debug|release] [RATE] [SECONDS]   (default release 200 10)
# GARRISON_BIN=/path/to/garrison uses that binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/../.."
config=${1:-release}; rate=${2:-200}; seconds=${3:-10}
if [ -n "${GARRISON_BIN:-}" ]; then  # a garrison binary built elsewhere (e.g. to compare two builds)
  bin=$(dirname "$(readlink -f "$GARRISON_BIN")"); exe=$(basename "$GARRISON_BIN")
else
  swift build -c "$config" --product garrison --scratch-path "${SCRATCH:-.build}" >/dev/null
  bin=$PWD/${SCRATCH:-.build}/$config; exe=garrison
fi
work=$(mktemp -d /var/tmp/garrison-bench-admission.XXXXXX)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
  -days 1 -subj /CN=bench -addext subjectAltName=IP:127.0.0.1 2>/dev/null
"$bin/$exe" admission serve --listen 127.0.0.1:0 --cert "$work/cert.pem" --key "$work/key.pem" \
  --enforce baseline --warn restricted --root "$work/state" > "$work/serve.out" 2>&1 & server=$!
for _ in $(seq 50); do grep -q Serving "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$work/serve.out")
echo "== garrison admission serve (${GARRISON_BIN:-$config build}), $rate req/s for $seconds s, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$port" "$work/cert.pem" "$rate" "$seconds" <<'PY'
import http.client, json, ssl, sys, threading, time
port, ca, rate, seconds = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ctx = ssl.create_default_context(cafile=ca)
def review(name, privileged):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "apps"},
           "spec": {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": privileged}}]}}
    return json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": name, "kind": {"group": "", "version": "v1", "kind": "Pod"}, "namespace": "apps", "name": name,
        "operation": "CREATE", "userInfo": {"username": "bench"}, "object": pod}}).encode()
bodies = [review("ok", False), review("bad", True)]
workers = 4
def get(c, path, body, i):
    if body: c.request("POST", path, body=bodies[i % 2], headers={"Content-Type": "application/json"})
    else: c.request("GET", path)
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
def run(path, body, seconds, lat, conns):
    lock = threading.Lock()
    def worker(k):
        c = conns[k]
        start = time.perf_counter()
        i = k
        while True:
            due = start + i / rate
            if due - start >= seconds: break
            now = time.perf_counter()
            if due > now: time.sleep(due - now)
            t = time.perf_counter()
            get(c, path, body, i)
            with lock: lat.append((time.perf_counter() - t) * 1000)
            i += workers
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(workers)]
    for t in ts: t.start()
    for t in ts: t.join()
# Keep-alive connections opened (TLS handshake done) before measuring, kept across the slices.
runs = [("POST /validate", "/validate", True, [], []), ("GET /healthz", "/healthz", False, [], [])]
for name, path, body, lat, conns in runs:
    for k in range(workers):
        conns.append(http.client.HTTPSConnection("127.0.0.1", port, context=ctx)); get(conns[-1], path, body, k)
for _ in range(seconds):
    for name, path, body, lat, conns in runs: run(path, body, 1, lat, conns)
for name, path, body, lat, conns in runs:
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    n, p50, p90, p99, mx = len(lat), q(0.5), q(0.9), q(0.99), lat[-1]
    print(f"{name:16s} {n:6d} requests   p50 {p50:6.2f} ms   p90 {p90:6.2f} ms   p99 {p99:6.2f} ms   max {mx:7.2f} ms")
PY
