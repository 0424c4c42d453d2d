#!/usr/bin/env python3
"""Debate integrity on a real small model: N debates (3 agents, 2 rounds, the same questions and seeds) through
`aragora ask --json` against an OpenAI-compatible server (llama-cpp-python serving SmolLM2-135M in the test
services). Prints, per debate and in total: votes and critiques counted of those asked for, failed ones by kind,
whether consensus was claimed without a quorum of valid votes, and wall time (medians).

  Benchmarks/real-model-bench.py BINARY BASE_URL [N]

BINARY is an `aragora` build (run it for two builds to compare them); BASE_URL the server's `/v1` URL.
"""
import json, os, statistics, subprocess, sys, tempfile, time

QUESTIONS = ["Should we adopt a four-day work week?", "Should we rewrite the billing service in Rust?",
             "Is a monorepo better than many repositories for a team of twenty?", "Should we buy or build our CRM?",
             "Should small teams use Kubernetes?"]

def main():
    binary, base = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    env = dict(os.environ, OPENAI_COMPATIBLE_BASE_URL=base, ARAGORA_MAX_OUTPUT_TOKENS=os.environ.get("ARAGORA_MAX_OUTPUT_TOKENS", "200"),
               ARAGORA_DATA_DIR=tempfile.mkdtemp(prefix="aragora-real-model-"), NO_COLOR="1")
    totals = dict(votes=0, votes_asked=0, critiques=0, critiques_asked=0, bad=0, claimed_without_quorum=0, completed=0)
    walls = []
    for i in range(n):
        q = QUESTIONS[i % len(QUESTIONS)]
        started = time.monotonic()
        p = subprocess.run([binary, "ask", q, "--rounds", "2", "--seed", str(100 + i), "--json", "--no-save", "--no-early-stop",
                            "--timeout", "300"], env=env, capture_output=True, text=True, timeout=1200)
        wall = time.monotonic() - started
        walls.append(wall)
        try:
            r = json.loads(p.stdout)
        except ValueError:
            print(f"debate {i}: no record (exit {p.returncode}): {p.stderr[-300:]}")
            continue
        failures = r.get("failures", [])
        by_kind = {}
        for f in failures:
            by_kind[f"{f['phase']}:{f.get('kind')}"] = by_kind.get(f"{f['phase']}:{f.get('kind')}", 0) + 1
        votes, critiques = len(r.get("votes", [])), len(r.get("critiques", []))
        summaries = r.get("round_summaries", [])
        if all(s.get("votes") for s in summaries) and summaries:
            votes_asked = sum(s["votes"]["requested"] for s in summaries)
            critiques_asked = sum(s["critiques"]["requested"] for s in summaries if s.get("critiques"))
        else:  # older records do not say: one vote per voter and a critique per other answer, per round
            votes_asked = votes + sum(1 for f in failures if f["phase"] == "vote")
            critiques_asked = sum(len({m["agent"] for m in r["messages"] if m["round"] == rnd and m["role"] in ("proposal", "revision")}) *
                                  (len({m["agent"] for m in r["messages"] if m["round"] == rnd and m["role"] in ("proposal", "revision")}) - 1)
                                  for rnd in range(1, r.get("rounds_used", 0) + 1))
        c = r.get("consensus") or {}
        last_round_votes = [v for v in r.get("votes", []) if v["round"] == r.get("rounds_used")]
        panel = len(r.get("agents", []))
        quorum = c.get("quorum") or panel // 2 + 1
        claimed = bool(c.get("reached")) and len(last_round_votes) < quorum
        totals["votes"] += votes; totals["votes_asked"] += votes_asked
        totals["critiques"] += critiques; totals["critiques_asked"] += critiques_asked
        totals["bad"] += sum(1 for f in failures if f.get("kind") == "bad_reply")
        totals["claimed_without_quorum"] += int(claimed)
        totals["completed"] += int(r.get("status") == "completed")
        print(f"debate {i}: {r.get('status')} in {wall:.1f} s · votes {votes}/{votes_asked} · critiques {critiques}/{critiques_asked}"
              f" · failures {by_kind or 'none'} · {c.get('summary', 'no result')!r} · confidence {c.get('confidence')}"
              f"{' · CLAIMED CONSENSUS WITHOUT A QUORUM' if claimed else ''}")
    rate = lambda a, b: f"{a}/{b} = {a / b:.2f}" if b else "n/a"
    print(f"total: {totals['completed']}/{n} completed · votes counted {rate(totals['votes'], totals['votes_asked'])}"
          f" · critiques counted {rate(totals['critiques'], totals['critiques_asked'])} · bad_reply failures {totals['bad']}"
          f" · consensus claimed without a quorum of votes {totals['claimed_without_quorum']}"
          f" · wall median {statistics.median(walls):.1f} s (min {min(walls):.1f}, max {max(walls):.1f})")

if __name__ == "__main__":
    main()
