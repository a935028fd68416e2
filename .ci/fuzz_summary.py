"""Counts a schemathesis HAR report: requests, statuses; checks the keyless run's
mutations. Usage: fuzz_summary.py REPORT.har NAME MIN_REQUESTS key|nokey"""
import collections
import json
import sys

path, name, minimum, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(path) as f:
    entries = json.load(f)["log"]["entries"]
statuses = collections.Counter(e["response"]["status"] for e in entries)
ok = True
if len(entries) < minimum:
    print(f"{name}: only {len(entries)} requests (< {minimum})")
    ok = False
server_errors = sum(n for s, n in statuses.items() if s >= 500)
if server_errors:
    print(f"{name}: {server_errors} server errors")
    ok = False
MUTATING = {("POST", "/api/users"), ("PATCH", "/api/users/{}"), ("POST", "/api/leveling/xp"),
            ("POST", "/api/tools"), ("POST", "/api/tools/unlock/{}/{}"),
            ("PATCH", "/api/guilds/{}/settings"), ("DELETE", "/api/guilds/{}/settings"),
            # The erasure and the export of everything about a user: keyed too.
            ("DELETE", "/api/users/{}"), ("GET", "/api/users/{}/export")}
# Operations whose requests are counted on their own line, to show they were exercised.
SHOWN = {("GET", "/api/guilds/{}/settings"), ("PATCH", "/api/guilds/{}/settings"),
         ("DELETE", "/api/guilds/{}/settings"), ("GET", "/api/guilds/{}/settings/audit"),
         ("GET", "/api/users/{}/export"), ("DELETE", "/api/users/{}")}


def route(url):
    path = "/" + url.split("://", 1)[1].split("/", 1)[1].split("?", 1)[0]
    parts = path.split("/")
    if path.startswith("/api/users/") and len(parts) == 4:
        return "/api/users/{}"
    if path.startswith("/api/users/") and len(parts) == 5 and parts[4] == "export":
        return "/api/users/{}/export"
    if path.startswith("/api/tools/unlock/"):
        return "/api/tools/unlock/{}/{}"
    if path.startswith("/api/guilds/") and len(parts) == 5 and parts[4] == "settings":
        return "/api/guilds/{}/settings"
    if path.startswith("/api/guilds/") and len(parts) == 6 and parts[5] == "audit":
        return "/api/guilds/{}/settings/audit"
    return path


mutations = collections.Counter()
if mode == "nokey":
    for e in entries:
        method, status = e["request"]["method"], e["response"]["status"]
        if (method, route(e["request"]["url"])) in MUTATING:
            mutations[status] += 1
            if status != 401:
                print(f"{name}: keyless {method} {e['request']['url']} answered {status}")
                ok = False
shown = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
line = f"{name}: {len(entries)} requests ({shown}); server errors {server_errors}"
if mode == "nokey":
    line += f"; keyless mutations {sum(mutations.values())}, all 401: {set(mutations) <= {401}}"
print(line)
per_route = collections.defaultdict(collections.Counter)
for e in entries:
    key = (e["request"]["method"], route(e["request"]["url"]))
    if key in SHOWN:
        per_route[key][e["response"]["status"]] += 1
for (method, path), counts in sorted(per_route.items()):
    shown = ", ".join(f"{s}: {n}" for s, n in sorted(counts.items()))
    print(f"{name}:   {method} {path}: {sum(counts.values())} requests ({shown})")
sys.exit(0 if ok else 1)
