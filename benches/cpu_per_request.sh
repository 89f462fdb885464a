#!/usr/bin/env bash
# Server CPU time per request, from the server's own /proc/PID/stat (user + system), so the
# figure does not depend on what else the machine is doing as much as requests per second do:
#   1. a run of `heard loadtest` (the respondent journey: GET, POST, 303, GET ...);
#   2. a run of plain keep-alive GETs of a survey's start page (a rendered page).
# It prints the CPU per journey request, per rendered GET, their ratio, and the CPU per
# complete response.
#
#   benches/cpu_per_request.sh sqlite|postgres [SECONDS] [CLIENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINE="${1:-sqlite}"
SECONDS_EACH="${2:-15}"
CLIENTS="${3:-8}"
WAVE=torbay-participation-2025
. tests/lib/pg.sh
bench_setup "$ENGINE" cpu -c max_connections=100

port=$(free_port)
export HEARD_BIND="127.0.0.1:$port" HEARD_MAIL_DIR="$work/mail" RUST_LOG=warn HEARD_PUBLIC_POSTS_PER_MINUTE=0
"$HEARD" demo --no-responses >/dev/null
"$HEARD" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
tick=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }

a=$(cpu)
out=$("$HEARD" loadtest --url "http://127.0.0.1:$port" --wave "$WAVE" --clients "$CLIENTS" --seconds "$SECONDS_EACH" | grep "complete responses")
b=$(cpu)
responses=$(echo "$out" | sed -E 's/.*: ([0-9]+) complete responses.*/\1/')
journey=$(echo "$out" | sed -E 's/.*; ([0-9]+) requests.*/\1/')

c=$(cpu)
gets=$(python3 - "$port" "$WAVE" "$SECONDS_EACH" "$CLIENTS" <<'PY'
import http.client, sys, threading, time
port, wave, secs, clients = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
done = [0] * clients
def run(i):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    end = time.time() + secs
    while time.time() < end:
        conn.request("GET", f"/s/{wave}", headers={"Accept-Encoding": "br, gzip"})
        r = conn.getresponse(); r.read()
        done[i] += 1
threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
[t.start() for t in threads]; [t.join() for t in threads]
print(sum(done))
PY
)
d=$(cpu)
python3 - "$a" "$b" "$c" "$d" "$tick" "$responses" "$journey" "$gets" "$ENGINE" "$CLIENTS" <<'PY'
import sys
a, b, c, d, tick = (float(x) for x in sys.argv[1:6])
responses, journey, gets = (int(x) for x in sys.argv[6:9])
per_journey = (b - a) / tick / journey * 1e6
per_get = (d - c) / tick / gets * 1e6
print(f"{sys.argv[9]}, {sys.argv[10]} clients: journey {per_journey:.0f} us/request ({journey} requests, "
      f"{(b - a) / tick / responses * 1000:.1f} ms per complete response); rendered GET {per_get:.0f} us/request "
      f"({gets} requests); ratio {per_journey / per_get:.2f}")
PY
