#!/usr/bin/env python3
"""A steady load on the service through its load balancer until STOP_FILE appears: health, lists and debate
creation from several keep-alive connections. Prints one JSON summary; writes the created debate ids to IDS_FILE.
Usage: steady-load.py URL TOKEN STOP_FILE IDS_FILE [THREADS]"""
import http.client, json, os, sys, threading, time, urllib.parse

url, token, stop_file, ids_file = sys.argv[1:5]
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 6
u = urllib.parse.urlparse(url)
lock = threading.Lock()
stats = {"requests": 0, "failures": [], "by_status": {}}
created = []

def worker(n):
    conn = None
    i = 0
    while not os.path.exists(stop_file):
        i += 1
        if i % 4 == 0:
            method, path, body = "POST", "/api/debates", json.dumps({"question": f"Rolling deploy {n}-{i}?", "rounds": 1})
        else:
            method, path, body = "GET", ["/api/health", "/api/debates?limit=5", "/api/leaderboard"][i % 3], None
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            conn.request(method, path, body=body, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            with lock:
                stats["requests"] += 1
                stats["by_status"][r.status] = stats["by_status"].get(r.status, 0) + 1
                if r.status != 200:
                    stats["failures"].append(f"{method} {path}: {r.status} {data[:120]!r}")
                elif method == "POST":
                    created.append(json.loads(data)["debate_id"])
            if r.getheader("Connection", "").lower() == "close":
                conn.close(); conn = None
        except Exception as e:  # a refused or reset connection is a failed request
            with lock:
                stats["requests"] += 1
                stats["failures"].append(f"{method} {path}: {type(e).__name__} {e}")
            if conn is not None:
                conn.close()
            conn = None
        time.sleep(0.01)

ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
start = time.time()
for t in ts: t.start()
for t in ts: t.join()
stats["seconds"] = round(time.time() - start, 1)
stats["created"] = len(created)
with open(ids_file, "w") as f:
    f.write("\n".join(created))
print(json.dumps(stats))
