"""Drives a running Aragora server with the official Python client (aragora-sdk) and checks its core calls.

Usage: python scripts/sdk_smoke.py BASE_URL [API_TOKEN]
Prints one line per call and a closing summary line; exits non-zero on any failure.
"""
import sys
import time

from aragora_sdk import AragoraClient

base = sys.argv[1]
token = sys.argv[2] if len(sys.argv) > 2 else None
client = AragoraClient(base_url=base, api_key=token, max_retries=1)
passed, failed = 0, 0


def check(name, fn):
    global passed, failed
    try:
        result = fn()
        print(f"ok   {name}")
        passed += 1
        return result
    except Exception as e:  # report and go on: one line per call
        print(f"FAIL {name}: {type(e).__name__}: {e}")
        failed += 1
        return None


health = check("health.check", lambda: client.health.check())
assert health is None or health["status"] == "healthy", health
created = check("debates.create", lambda: client.debates.create(task="Should we adopt a monorepo?", agents=["demo", "demo", "demo"], rounds=1))
debate_id = created["debate_id"] if created else None


def wait_done():
    for _ in range(200):
        d = client.debates.get(debate_id)
        if d["status"] not in ("created", "running"):
            return d
        time.sleep(0.05)
    raise RuntimeError("debate did not finish")


done = check("debates.get", wait_done)
if done:
    assert done["status"] == "completed" and done["rounds_used"] == 1, done
check("debates.list", lambda: client.debates.list(limit=5)["debates"][0]["id"])
check("debates.list_active", lambda: client.debates.list_active()["debates"])
check("debates.get_messages", lambda: client.debates.get_messages(debate_id)["messages"][0]["content"])
check("debates.get_export", lambda: client.debates.get_export(debate_id, format="json")["id"])
slow = check("debates.create (to cancel)", lambda: client.debates.create(task="Cancel me", rounds=12))
check("debates.cancel", lambda: client.debates.cancel(slow["debate_id"])["success"])
check("agents.list", lambda: client.agents.list()["agents"][0]["name"])
check("agents.get_leaderboard", lambda: client.agents.get_leaderboard())
check("leaderboard.get_rankings", lambda: client.leaderboard.get_rankings())
print(f"sdk calls: {passed} ok, {failed} failing")
sys.exit(1 if failed else 0)
