#!/usr/bin/env python3
"""What the OpenAI-compatible endpoint adds over the API for the same debate, on one running `aragora serve`:
each round trip is timed from the request to the whole answer in hand, interleaved so load and noise hit both alike.
  api:     POST /api/debates, then GET /api/debates/{id}/stream until the debate ends, then GET /api/debates/{id}
  openai:  POST /v1/chat/completions (not streamed): one request, returns when the debate has ended
  api-sse / openai-stream: the same debate followed live: the API's event stream against chat.completion.chunk events
Prints medians, p90 and the ratio of the medians. Loopback only, bounded counts.
Usage: openai-overhead.py PORT [debates] [rounds]
"""
import http.client, json, statistics, sys, time

port = int(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
H = {"Content-Type": "application/json"}


def call(method, path, body=None, stream=False):
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=H)
    r = conn.getresponse()
    data = r.read()
    assert r.status == 200, (path, r.status, data[:200])
    return data


def api(i):
    created = json.loads(call("POST", "/api/debates", {"question": f"Overhead {i}?", "rounds": rounds, "seed": abs(i) + 1, "consensus": "majority"}))
    call("GET", f"/api/debates/{created['debate_id']}/stream")  # the stream ends with the debate
    record = json.loads(call("GET", f"/api/debates/{created['debate_id']}"))
    assert record["final_answer"]


def openai(i, stream=False):
    body = {"model": "aragora/bench", "messages": [{"role": "user", "content": f"Overhead {i}?"}], "stream": stream}
    data = call("POST", "/v1/chat/completions", body)
    if stream:
        assert data.endswith(b"data: [DONE]\n\n")
    else:
        assert json.loads(data)["choices"][0]["message"]["content"]


for i in range(5):  # warm up both paths
    api(-i - 1), openai(-i - 1)
times = {"api": [], "openai": [], "openai-stream": []}
for i in range(n):
    for name, fn in (("api", api), ("openai", openai), ("openai-stream", lambda k: openai(k, True))):
        t = time.perf_counter()
        fn(i)
        times[name].append((time.perf_counter() - t) * 1000)
med = {k: statistics.median(v) for k, v in times.items()}
for k, v in times.items():
    print(f"{k:14s} median {med[k]:7.2f} ms   p90 {statistics.quantiles(v, n=10)[8]:7.2f} ms   ({len(v)} debates, {rounds} rounds)")
print(f"openai / api (medians): {med['openai'] / med['api']:.3f}; overhead {med['openai'] - med['api']:+.2f} ms per debate")
print(f"openai-stream / api (medians): {med['openai-stream'] / med['api']:.3f}")
