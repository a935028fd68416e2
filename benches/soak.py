"""The soak driver of benches/soak.sh: steady mixed HTTP traffic plus Socket.IO clients
(Engine.IO long-polling, so only the standard library is needed) against one server,
with per-minute samples of the server process. Standard library only."""
import argparse
import http.client
import json
import os
import random
import threading
import time

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--key", required=True)
p.add_argument("--pid", type=int, required=True)
p.add_argument("--minutes", type=float, default=10)
p.add_argument("--rate", type=float, default=200, help="HTTP requests per second")
p.add_argument("--sockets-per-sec", type=float, default=2)
p.add_argument("--workers", type=int, default=8)
args = p.parse_args()

HOST = "127.0.0.1"
USERS = 20_000
lock = threading.Lock()
latencies = []  # (ms) of the current minute
counts = {"http": 0, "errors": 0, "sockets": 0, "socket_errors": 0}
stop = threading.Event()


def request(conn, method, path, body=None, headers=None):
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    payload = r.read()
    return r.status, payload


def http_worker(index):
    """Sends its share of the rate on a fixed schedule (open loop: a slow answer does
    not lower the offered rate, it shows in the latency)."""
    rng = random.Random(index)
    conn = http.client.HTTPConnection(HOST, args.port, timeout=10)
    auth = {"Authorization": f"Bearer {args.key}"}
    interval = args.workers / args.rate
    next_at = time.monotonic() + rng.random() * interval
    while not stop.is_set():
        now = time.monotonic()
        if next_at > now:
            time.sleep(next_at - now)
        next_at += interval
        user = rng.randrange(1, USERS)
        kind = rng.random()
        if kind < 0.45:
            call = ("POST", "/api/leveling/xp", {"discord_id": str(user), "amount": rng.randrange(1, 500)}, auth)
        elif kind < 0.55:
            call = ("POST", "/api/leveling/xp", {"discord_id": str(user), "source": "message"}, auth)
        elif kind < 0.75:
            call = ("GET", f"/api/leveling/leaderboard?limit=25&offset={rng.randrange(0, 200)}", None, None)
        elif kind < 0.9:
            call = ("GET", f"/api/users/{user}", None, None)
        else:
            call = ("GET", f"/api/leveling/xp-history/{user}?limit=10", None, None)
        started = time.perf_counter()
        try:
            status, _ = request(conn, *call)
            ok = status < 500 and status not in (400, 401, 422)
        except Exception:
            ok = False
            conn.close()
            conn = http.client.HTTPConnection(HOST, args.port, timeout=10)
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            counts["http"] += 1
            counts["errors"] += 0 if ok else 1


def socket_client(rng):
    """One Socket.IO client over Engine.IO polling: handshake, connect to `/`, wait for
    connection_established, subscribe, stay a few seconds polling, then leave."""
    conn = http.client.HTTPConnection(HOST, args.port, timeout=30)
    try:
        status, body = request(conn, "GET", "/socket.io/?EIO=4&transport=polling")
        assert status == 200, status
        sid = json.loads(body.decode()[1:])["sid"]
        base = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
        conn.request("POST", base, body=b"40", headers={"Content-Type": "text/plain"})
        r = conn.getresponse(); r.read()
        got = ""
        deadline = time.monotonic() + 10
        while "connection_established" not in got and time.monotonic() < deadline:
            status, body = request(conn, "GET", base)
            got += body.decode(errors="replace")
        assert "connection_established" in got, got
        conn.request("POST", base, body=b'42["subscribe",{}]', headers={"Content-Type": "text/plain"})
        r = conn.getresponse(); r.read()
        time.sleep(rng.uniform(1, 5))
        conn.request("POST", base, body=b"41", headers={"Content-Type": "text/plain"})
        r = conn.getresponse(); r.read()
        with lock:
            counts["sockets"] += 1
    except Exception:
        with lock:
            counts["socket_errors"] += 1
    finally:
        conn.close()


def socket_spawner():
    rng = random.Random(99)
    interval = 1 / args.sockets_per_sec
    next_at = time.monotonic()
    while not stop.is_set():
        now = time.monotonic()
        if next_at > now:
            time.sleep(next_at - now)
        next_at += interval
        threading.Thread(target=socket_client, args=(random.Random(rng.random()),), daemon=True).start()


def sample():
    with open(f"/proc/{args.pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    fds = len(os.listdir(f"/proc/{args.pid}/fd"))
    with open(f"/proc/{args.pid}/stat") as f:
        threads = int(f.read().rsplit(")", 1)[1].split()[17])
    return rss, fds, threads


threads = [threading.Thread(target=http_worker, args=(i,), daemon=True) for i in range(args.workers)]
threads.append(threading.Thread(target=socket_spawner, daemon=True))
for t in threads:
    t.start()
print(f"soak: {args.minutes:g} min, {args.rate:g} HTTP req/s (55% awards, 45% reads), "
      f"{args.sockets_per_sec:g} Socket.IO clients/s staying 1-5 s")
print(f"{'min':>3} {'RSS MiB':>8} {'fds':>5} {'threads':>7} {'req':>7} {'err':>4} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'sockets':>7} {'sock err':>8}")
rows = []
start = time.monotonic()
minute = 0
while minute < args.minutes:
    minute += 1
    time.sleep(max(0, start + 60 * minute - time.monotonic()))
    with lock:
        lat = sorted(latencies); latencies.clear()
        snap = dict(counts)
        for k in counts:
            counts[k] = 0
    rss, fds, nthreads = sample()
    p50 = lat[len(lat) // 2] if lat else 0
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0
    row = (minute, rss / 1024, fds, nthreads, snap["http"], snap["errors"], p50, p99, lat[-1] if lat else 0, snap["sockets"], snap["socket_errors"])
    rows.append(row)
    print(f"{row[0]:>3} {row[1]:>8.1f} {row[2]:>5} {row[3]:>7} {row[4]:>7} {row[5]:>4} {row[6]:>7.2f} {row[7]:>7.2f} {row[8]:>7.1f} {row[9]:>7} {row[10]:>8}", flush=True)
stop.set()
first, last = rows[0], rows[-1]
print(f"first → last minute: RSS {first[1]:.1f} → {last[1]:.1f} MiB, fds {first[2]} → {last[2]}, "
      f"threads {first[3]} → {last[3]}, p99 {first[7]:.2f} → {last[7]:.2f} ms; "
      f"{sum(r[4] for r in rows)} requests, {sum(r[5] for r in rows)} errors, "
      f"{sum(r[9] for r in rows)} Socket.IO clients, {sum(r[10] for r in rows)} failed")
