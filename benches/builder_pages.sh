#!/usr/bin/env bash
# How long the survey builder's pages take for a big wave: 60 questions, 3 audiences, each in
# English, Polish and Arabic (a generated heard-survey/1 file). One signed-in client asks for
# the question list, a question editor and the check before opening, one after another, and
# the script prints p50, p99 and the worst time per page, measured by the client (so the
# figures include loopback HTTP).
#
#   benches/builder_pages.sh sqlite|postgres [REQUESTS_PER_PAGE]
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINE="${1:-sqlite}"
REQUESTS="${2:-300}"
. tests/lib/pg.sh
bench_setup "$ENGINE" builder

port=$(free_port)
export HEARD_BIND="127.0.0.1:$port" HEARD_MAIL_DIR="$work/mail" RUST_LOG=warn
"$HEARD" demo --no-responses >/dev/null
python3 - "$work/big.toml" <<'PY'
import sys
audiences = [("young-people", "A young person", True), ("parents-carers", "A parent or carer", False), ("professionals", "A professional", False)]
kinds = ["yes-sometimes-no", "single-choice", "face-scale", "multiple-choice", "short-text", "number"]
out = ['format = "heard-survey/1"', 'partnership = "torbay"', '[series]', 'slug = "big-survey"', 'title = "A big survey"',
       '[wave]', 'slug = "big-survey-2026"', 'label = "2026"', 'status = "draft"']
for key, name, easy in audiences:
    out += ['[[audiences]]', f'key = "{key}"', f'name = "{name}"', f'easy_read = {str(easy).lower()}']
questions = []
for i in range(60):
    kind = kinds[i % len(kinds)]
    key = f"q{i:02d}"
    questions.append((key, kind))
    out += ['[[questions]]', f'key = "{key}"', f'type = "{kind}"', 'priorities = ["P1"]']
    if kind == "number":
        out += ['min = 0', 'max = 25', 'whole_number = true']
    if i > 0 and questions[i - 1][1] == "yes-sometimes-no":
        out += [f'show_if = {{ question = "{questions[i - 1][0]}", any_of = ["no"] }}']
    for a, _, _ in audiences:
        out += [f'[questions.text.{a}]', f'title = "Question {i} for {a}: do you get the help you need?"', 'hint = "Think about this year."']
    if kind in ("single-choice", "multiple-choice"):
        for v in ["school", "home", "health", "friends", "other"]:
            out += ['[[questions.options]]', f'value = "{v}"', f'label = "{v.title()}"', 'polarity = "positive"']
for lang in ["pl", "ar"]:
    for a, _, _ in audiences:
        out += ['[[translations]]', f'audience = "{a}"', f'language = "{lang}"', 'machine_drafted = true']
        for key, kind in questions:
            out += [f'[translations.questions.{key}]', f'title = "Pytanie {key} ({lang})"']
            if kind in ("single-choice", "multiple-choice"):
                out += ['options = { ' + ", ".join(f'{v} = "{v}-{lang}"' for v in ["school", "home", "health", "friends", "other"]) + ' }']
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
"$HEARD" import "$work/big.toml" >/dev/null
echo "a long enough password" | "$HEARD" user add --email bench@torbay.example --role analyst --partnership torbay >/dev/null
"$HEARD" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

python3 - "$port" "$REQUESTS" "$ENGINE" <<'PY'
import http.client, re, sys, time, urllib.parse
port, n, engine = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
conn = http.client.HTTPConnection("127.0.0.1", port)
cookies = {}
def req(method, path, body=None):
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = f"http://127.0.0.1:{port}"
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    for h, v in r.getheaders():
        if h.lower() == "set-cookie":
            k, _, rest = v.partition("=")
            cookies[k] = rest.split(";")[0]
    return r.status, data
status, page = req("GET", "/staff/sign-in")
token = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
form = urllib.parse.urlencode({"csrf": token, "email": "bench@torbay.example", "password": "a long enough password"})
status, _ = req("POST", "/staff/sign-in", form)
assert status in (200, 303), status
pages = {
    "question list": "/staff/waves/big-survey-2026/build",
    "question editor": "/staff/waves/big-survey-2026/build/q31",
    "check before opening": "/staff/waves/big-survey-2026/check",
}
for name, path in pages.items():
    status, body = req("GET", path)
    assert status == 200, (name, status)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        status, body = req("GET", path)
        times.append((time.perf_counter() - t) * 1000)
        assert status == 200
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{engine}, {name}: p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, worst {times[-1]:.1f} ms ({n} requests)")
PY
