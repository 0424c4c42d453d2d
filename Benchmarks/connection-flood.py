#!/usr/bin/env python3
"""Connection flood against an Aragora server on loopback, while a health probe measures its answers.

Opens --connections sockets spread over worker processes (a process holds at most ~10,000 descriptors here);
each is silent, or "slow" (sends half a request head, then one byte now and then). A socket the server closes is
reopened, as an attacker would, until --seconds pass. Meanwhile a probe opens a new connection every 50 ms for
GET /healthz, as a load balancer does, and times the whole answer. Prints the probe's median, p99 and worst
latency, its failures, and the server's connection counters from /metrics. Exits 1 when a probe fails or
the p99 exceeds --p99-ms. Loopback only, bounded in connections and time. The flood processes run at nice 10:
on loopback they share the server's two cores, which an attacker elsewhere would not.
"""
import argparse, asyncio, multiprocessing, os, resource, socket, statistics, sys, time, urllib.request


async def hold(host, port, slow, deadline, stats):
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            stats["connect_errors"] += 1
            await asyncio.sleep(0.5)
            continue
        stats["opened"] += 1
        try:
            if slow:
                writer.write(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n")
            while time.monotonic() < deadline:
                try:
                    data = await asyncio.wait_for(reader.read(4096), timeout=2)
                    if not data:
                        stats["closed_by_server"] += 1
                        break
                except asyncio.TimeoutError:
                    if slow:
                        writer.write(b"X")
        except OSError:
            stats["closed_by_server"] += 1
        finally:
            writer.close()


def worker(host, port, count, seconds, slow_share, queue):
    # On a real network the attacker's CPU is not the server's; on loopback it is, so the flood runs niced and
    # the server and the probe get the cores first.
    os.nice(10)
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    stats = {"opened": 0, "closed_by_server": 0, "connect_errors": 0}

    async def main():
        deadline = time.monotonic() + seconds
        tasks = []
        for i in range(count):
            tasks.append(asyncio.create_task(hold(host, port, i < count * slow_share, deadline, stats)))
            if i % 500 == 499:
                await asyncio.sleep(0.01)
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    queue.put(stats)


def probe(host, port, timeout):
    start = time.monotonic()
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    elapsed = (time.monotonic() - start) * 1000
    if not data.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(data[:60])
    return elapsed


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--connections", type=int, default=20_000)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--slow-share", type=float, default=0.5, help="share of connections sending a half head")
    p.add_argument("--p99-ms", type=float, default=100)
    a = p.parse_args()
    host = "127.0.0.1"
    per_worker = 9_000
    workers = max(1, -(-a.connections // per_worker))
    queue = multiprocessing.Queue()
    procs = []
    for w in range(workers):
        n = min(per_worker, a.connections - w * per_worker)
        procs.append(multiprocessing.Process(target=worker, args=(host, a.port, n, a.seconds, a.slow_share, queue)))
    for proc in procs:
        proc.start()
    time.sleep(min(5, a.seconds / 4))  # let the flood build up before measuring
    latencies, failures = [], []
    end = time.monotonic() + a.seconds - min(5, a.seconds / 4) - 1
    while time.monotonic() < end:
        try:
            latencies.append(probe(host, a.port, 1.0))
        except Exception as e:  # a timeout or a wrong answer is a failed probe
            failures.append(repr(e))
        time.sleep(0.05)
    totals = {}
    for _ in procs:
        for k, v in queue.get().items():
            totals[k] = totals.get(k, 0) + v
    for proc in procs:
        proc.join()
    metrics = urllib.request.urlopen(f"http://{host}:{a.port}/metrics", timeout=5).read().decode()
    counters = {line.split()[0]: line.split()[1] for line in metrics.splitlines()
                if line.startswith("aragora_connections")}
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else float("inf")
    print(f"flood: {a.connections} connections ({a.slow_share:.0%} slow) for {a.seconds:.0f}s from {workers} processes: "
          f"opened {totals['opened']}, closed by the server {totals['closed_by_server']}, connect errors {totals['connect_errors']}")
    print(f"server: {counters}")
    if latencies:
        print(f"/healthz probes: {len(latencies)} answered, {len(failures)} failed; median {statistics.median(latencies):.1f} ms, "
              f"p99 {p99:.1f} ms, worst {latencies[-1]:.1f} ms (target p99 <= {a.p99_ms:.0f} ms)")
    for f in failures[:5]:
        print("  failed probe:", f)
    sys.exit(0 if not failures and p99 <= a.p99_ms else 1)


if __name__ == "__main__":
    main()
