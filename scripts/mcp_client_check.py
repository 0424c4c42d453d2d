"""Aragora's MCP server as a real client sees it: the official Python `mcp` SDK (pinned by the test services).

    python mcp_client_check.py stdio ARAGORA_BIN
    python mcp_client_check.py http URL ARAGORA_BIN      (ARAGORA_API_TOKEN in the environment: auth on)

Prints the session as it goes and ends with "mcp checks: N ok, M failing"; exits 1 when a check failed.
Every wait is bounded: a hang fails a check instead of stalling the run.
"""

import json
import subprocess
import sys
import time

import anyio
import httpx2
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

TOOLS = ["debate", "get_debate", "search_debates", "cancel_debate", "follow_up", "verify_receipt", "list_agents", "leaderboard"]
results = {"ok": 0, "failing": 0}


def check(name, ok, detail=""):
    results["ok" if ok else "failing"] += 1
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + str(detail) if detail else ''}", flush=True)


def say(text):
    print(f"     {text}", flush=True)


async def debate_with_progress(s, question, **extra):
    """A debate with a progress token: prints every progress message and checks they arrive in order."""
    seen, started = [], time.monotonic()

    async def progress(value, total, message):
        seen.append((time.monotonic() - started, value, message))
        say(f"progress {value:g}: {message}")

    args = {"question": question, "rounds": 1, "consensus": "majority", **extra}
    result = await s.call_tool("debate", args, progress_callback=progress)
    values = [v for _, v, _ in seen]
    check("progress notifications, in order", len(values) >= 5 and values == sorted(values) and len(set(values)) == len(values),
          f"{len(values)} received")
    if seen:
        print(f"     time from tools/call to the first progress notification: {seen[0][0] * 1000:.1f} ms", flush=True)
    return result


async def common(s, label):
    init = await s.initialize()
    say(f"initialized: {init.server_info.name} {init.server_info.version}, protocol {init.protocol_version}")
    names = [t.name for t in (await s.list_tools()).tools]
    say(f"tools: {', '.join(names)}")
    check(f"{label}: tools listed", names == TOOLS, names)

    result = await debate_with_progress(s, "Should a small team adopt trunk-based development?")
    data = result.structured_content or {}
    say("result: " + result.content[0].text.replace("\n", "\n     "))
    check(f"{label}: debate completed with an answer, a receipt digest and its id",
          data.get("status") == "completed" and data.get("final_answer") and data.get("receipt_digest") and data.get("debate_id"),
          {k: data.get(k) for k in ("status", "debate_id", "receipt_digest")})
    debate_id = data.get("debate_id", "")

    try:
        await s.call_tool("debate", {"question": "x", "rounds": "three"})
        check(f"{label}: bad arguments get -32602", False, "no error")
    except MCPError as e:
        check(f"{label}: bad arguments get -32602", e.code == -32602, f"{e.code} {e.message}")
    missing = await s.call_tool("get_debate", {"debate_id": "deb_doesnotexist"})
    check(f"{label}: an unknown debate is a tool error", missing.is_error and "no debate" in missing.content[0].text, missing.content[0].text)

    listed = [r.uri for r in (await s.list_resources()).resources]
    check(f"{label}: recent debates listed as resources", f"aragora://debates/{debate_id}" in listed, listed[:3])
    md = (await s.read_resource(f"aragora://debates/{debate_id}")).contents[0]
    check(f"{label}: transcript resource is Markdown", md.mime_type == "text/markdown" and "trunk-based" in md.text, md.text[:60])
    receipt_text = (await s.read_resource(f"aragora://debates/{debate_id}/receipt")).contents[0].text
    receipt = json.loads(receipt_text)
    valid = (await s.call_tool("verify_receipt", {"receipt": receipt})).structured_content
    check(f"{label}: verify_receipt accepts the receipt", valid["valid"] and valid["signed_by_this_server"], valid)
    receipt["payload"]["final_answer"] = "something else"
    tampered = (await s.call_tool("verify_receipt", {"receipt": receipt})).structured_content
    check(f"{label}: verify_receipt refuses a tampered one, saying why", not tampered["valid"] and "edited" in (tampered["reason"] or ""),
          tampered["reason"])

    follow = (await s.call_tool("follow_up", {"debate_id": debate_id, "question": "What is the first step?", "rounds": 1,
                                              "consensus": "majority"})).structured_content
    check(f"{label}: follow_up debates a new question with the earlier answer as context",
          follow["follows"] == debate_id and follow["status"] == "completed" and follow["debate_id"] != debate_id, follow["status"])
    found = (await s.call_tool("search_debates", {"text": "trunk-based", "status": "completed"})).structured_content
    check(f"{label}: search_debates finds it", debate_id in [d["debate_id"] for d in found["debates"]], found["total"])
    agents = (await s.call_tool("list_agents", {})).structured_content
    say(f"default panel: {', '.join(agents['default_panel'])}; {len(agents['agents'])} agents listed")
    check(f"{label}: list_agents names the default panel", len(agents["default_panel"]) >= 2 and agents["agents"])
    board = (await s.call_tool("leaderboard", {"limit": 3})).structured_content
    check(f"{label}: leaderboard ranks the agents that debated", [r["rank"] for r in board["rows"]] == [1, 2, 3], board["rows"][:1])
    return debate_id


async def wait_for(s, debate_id, statuses, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = (await s.call_tool("get_debate", {"debate_id": debate_id})).structured_content
        if data["status"] in statuses:
            return data
        await anyio.sleep(0.25)
    return data


async def stdio(binary):
    params = StdioServerParameters(command=binary, args=["mcp"], env={
        "ARAGORA_DATA_DIR": sys.argv[3] if len(sys.argv) > 3 else "/tmp/aragora-mcp-check", "PATH": "/usr/bin:/bin"})
    with anyio.fail_after(180):
        async with stdio_client(params) as (r, w):
            async with ClientSession(r, w) as s:
                await common(s, "stdio")


def mint(binary, loop_id):
    return subprocess.run([binary, "token", "--loop-id", loop_id, "--ttl", "600"], capture_output=True, text=True, check=True).stdout.strip()


async def http(url, binary):
    admin = mint(binary, "admin")
    with anyio.fail_after(300):
        async with httpx2.AsyncClient() as raw:
            r = await raw.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                               headers={"Accept": "application/json, text/event-stream"})
            check("http: a request without a token is refused", r.status_code == 401, r.status_code)

        async with create_mcp_http_client(headers={"Authorization": f"Bearer {admin}"}) as client:
            async with streamable_http_client(url, http_client=client) as (r, w, *_):
                async with ClientSession(r, w) as s:
                    first = await common(s, "http")

                    slow = (await s.call_tool("debate", {"question": "Which database for a small SaaS?", "rounds": 3,
                                                         "wait_seconds": 0.2})).structured_content
                    say(f"slow debate: {slow['status']} after 0.2 s ({slow['so_far']})")
                    check("http: a debate past wait_seconds returns running with its id",
                          slow["status"] in ("created", "running") and slow["debate_id"], slow["status"])
                    done = await wait_for(s, slow["debate_id"], ("completed", "error", "timeout", "cancelled"))
                    check("http: get_debate until it completes", done["status"] == "completed" and "Round 1" in done["transcript"], done["status"])

                    doomed = (await s.call_tool("debate", {"question": "Cancel me?", "rounds": 5, "wait_seconds": 0.2})).structured_content
                    cancelled = (await s.call_tool("cancel_debate", {"debate_id": doomed["debate_id"]})).structured_content
                    ended = await wait_for(s, doomed["debate_id"], ("cancelled", "completed", "error"))
                    check("http: cancel_debate stops a running debate", cancelled["cancelled"] and ended["status"] == "cancelled",
                          (cancelled["detail"], ended["status"]))

        # A token scoped to one debate reads that debate and nothing else.
        scoped = mint(binary, first)
        async with create_mcp_http_client(headers={"Authorization": f"Bearer {scoped}"}) as client:
            async with streamable_http_client(url, http_client=client) as (r, w, *_):
                async with ClientSession(r, w) as s:
                    await s.initialize()
                    own = await s.call_tool("get_debate", {"debate_id": first})
                    check("http: a debate's token reads its debate", not own.is_error and own.structured_content["debate_id"] == first)
                    other = await s.call_tool("get_debate", {"debate_id": slow["debate_id"]})
                    check("http: ... and is refused another", other.is_error and "forbidden" in other.content[0].text, other.content[0].text)
                    start = await s.call_tool("debate", {"question": "May I?"})
                    check("http: ... and may not start debates", start.is_error and "forbidden" in start.content[0].text)

        # A client that goes away mid-debate: the debate goes on and completes.
        async with httpx2.AsyncClient(timeout=60) as raw:
            body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                    "params": {"name": "debate", "arguments": {"question": "Left alone, does it finish?", "rounds": 2, "wait_seconds": 60},
                               "_meta": {"progressToken": "p1"}}}
            headers = {"Authorization": f"Bearer {admin}", "Accept": "application/json, text/event-stream"}
            debate_id = None
            async with raw.stream("POST", url, json=body, headers=headers) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        say(f"first event, then the client hangs up: {line[:90]}")
                        break
        async with create_mcp_http_client(headers={"Authorization": f"Bearer {admin}"}) as client:
            async with streamable_http_client(url, http_client=client) as (r, w, *_):
                async with ClientSession(r, w) as s:
                    await s.initialize()
                    found = (await s.call_tool("search_debates", {"text": "Left alone"})).structured_content
                    debate_id = found["debates"][0]["debate_id"] if found["debates"] else None
                    done = await wait_for(s, debate_id, ("completed", "error", "cancelled", "timeout")) if debate_id else {"status": "missing"}
                    check("http: a client that disconnects mid-debate does not cancel it", done["status"] == "completed", done["status"])


def main():
    mode = sys.argv[1]
    try:
        anyio.run(stdio if mode == "stdio" else http, *([sys.argv[2]] if mode == "stdio" else [sys.argv[2], sys.argv[3]]))
    except BaseException as e:  # a hang (fail_after) or a crash is a failed check, reported, never a silent pass
        check("session ran to its end", False, repr(e))
    print(f"mcp checks: {results['ok']} ok, {results['failing']} failing", flush=True)
    sys.exit(1 if results["failing"] else 0)


if __name__ == "__main__":
    main()
