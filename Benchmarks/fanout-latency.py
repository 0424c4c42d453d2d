#!/usr/bin/env python3
"""Event fan-out latency between instances: debates run on instance A, a client follows each over SSE on
instance B; for every event that arrives live (emitted after the client subscribed), latency = arrival time on
the client following on B - its arrival at a client following on A itself (one machine, one clock; the
event's own timestamp is when its content began, not when it was published). Prints p50, p99 and
the worst, and the event count. Loopback only.
Usage: fanout-latency.py A_PORT B_PORT [debates] [token]
"""
import json, socket, statistics, sys, threading, time, urllib.request

a, b = int(sys.argv[1]), int(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
token = sys.argv[4] if len(sys.argv) > 4 else None
auth = {"Authorization": f"Bearer {token}"} if token else {}

def follow(debate_id, since_ts, out, port=None):
    s = socket.create_connection(("127.0.0.1", port or b))
    hdr = "".join(f"{k}: {v}\r\n" for k, v in auth.items())
    s.sendall(f"GET /api/debates/{debate_id}/stream HTTP/1.1\r\nHost: b\r\n{hdr}Connection: close\r\n\r\n".encode())
    buf = b""
    while True:
        chunk = s.recv(65536)
        now = time.time()
        if not chunk:
            break
        buf += chunk
        while b"\ndata: " in buf:
            start = buf.index(b"\ndata: ") + 7
            end = buf.find(b"\n", start)
            if end < 0:
                break
            event = json.loads(buf[start:end])
            buf = buf[end:]
            if event["timestamp"] > since_ts:
                out.append((event["seq"], now, event["timestamp"]))

# Each debate is followed on A (where it runs) and on B at once: latency = arrival on B - arrival on A, per event.
latencies = []
for i in range(n):
    body = json.dumps({"question": f"Fan-out {i}?", "rounds": 2, "seed": i}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{a}/api/debates", data=body, headers={"Content-Type": "application/json", **auth})
    since = time.time()
    debate_id = json.load(urllib.request.urlopen(req))["debate_id"]
    on_a, on_b = [], []
    ta = threading.Thread(target=follow, args=(debate_id, since + 0.3, on_a, a))
    ta.start()
    follow(debate_id, since + 0.3, on_b)
    ta.join()
    arrived_a = {seq: t for seq, t, _ in on_a}
    latencies += [(t - arrived_a[seq]) * 1000 for seq, t, _ in on_b if seq in arrived_a]
latencies.sort()
if not latencies:
    sys.exit("no live events measured")
p = lambda q: latencies[min(len(latencies) - 1, int(len(latencies) * q))]
print(f"fan-out A:{a} -> B:{b}: {len(latencies)} live events over {n} debates; arrival on B after arrival on A: "
      f"p50 {statistics.median(latencies):.2f} ms, p99 {p(0.99):.2f} ms, worst {latencies[-1]:.2f} ms (target p99 <= 5 ms)")
