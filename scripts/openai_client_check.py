"""Aragora's OpenAI-compatible endpoint as a real client sees it: the official `openai` package (pinned by the test
services) against `aragora serve`.

    python openai_client_check.py BASE_URL TOKEN [--model aragora/NAME] [--real]

Prints the session as it goes and ends with "openai checks: N ok, M failing"; exits 1 when a check failed.
--real: only the plain and streamed calls (a real model is slow); the error cases need no panel.
"""

import json
import sys
import time
import urllib.request

import openai

results = {"ok": 0, "failing": 0}


def check(name, ok, detail=""):
    results["ok" if ok else "failing"] += 1
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + str(detail) if detail else ''}", flush=True)


def say(text):
    print(f"     {text}", flush=True)


def stored(base, token, debate_id):
    req = urllib.request.Request(base.replace("/v1", "") + f"/api/debates/{debate_id}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def main():
    base, token = sys.argv[1], sys.argv[2]
    model = sys.argv[sys.argv.index("--model") + 1] if "--model" in sys.argv else "aragora"
    real = "--real" in sys.argv
    client = openai.OpenAI(base_url=base, api_key=token, max_retries=0, timeout=600)

    ids = [m.id for m in client.models.list().data]
    say(f"models: {', '.join(ids)}")
    check("models.list names the panels", "aragora" in ids and model in ids, ids)

    question = "Should a five-person team move from weekly releases to continuous deployment?"
    started = time.monotonic()
    plain = client.chat.completions.create(model=model, messages=[
        {"role": "system", "content": "Answer for a cautious engineering manager."},
        {"role": "user", "content": question}])
    seconds = time.monotonic() - started
    answer = plain.choices[0].message.content
    extra = plain.model_extra.get("aragora", {})
    say(f"plain ({seconds:.1f} s): {answer[:160]!r}")
    say(f"usage: {plain.usage.prompt_tokens} prompt + {plain.usage.completion_tokens} completion = {plain.usage.total_tokens}; "
        f"aragora: debate {extra.get('debate_id')}, confidence {extra.get('confidence')}, supporters {extra.get('supporters')}, "
        f"cost ${extra.get('cost_usd')}, receipt {str(extra.get('receipt_digest'))[:16]}…")
    record = stored(base, token, extra.get("debate_id", "none"))
    check("plain: a chat.completion whose message is the stored debate's final answer",
          plain.object == "chat.completion" and answer == record["final_answer"] and plain.choices[0].finish_reason == "stop")
    check("plain: usage is the debate's usage", plain.usage.prompt_tokens == record["usage"]["input_tokens"]
          and plain.usage.completion_tokens == record["usage"]["output_tokens"], plain.usage)
    check("plain: id from the debate id; the aragora object names it with its receipt",
          plain.id == "chatcmpl-" + extra.get("debate_id", "") and extra.get("receipt_digest") == record["receipt"]["digest"])

    stream = client.chat.completions.create(model=model, messages=[{"role": "user", "content": question}], stream=True,
                                            stream_options={"include_usage": True})
    reasoning, content, finish, usage, first_reasoning, first_content, chunks, aragora = [], [], None, None, None, None, 0, {}
    started = time.monotonic()
    for chunk in stream:
        chunks += 1
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            delta = choice.delta
            r = (delta.model_extra or {}).get("reasoning_content")
            if r:
                first_reasoning = first_reasoning or time.monotonic() - started
                reasoning.append(r)
            if delta.content:
                first_content = first_content or time.monotonic() - started
                content.append(delta.content)
            if choice.finish_reason:
                finish = choice.finish_reason
                aragora = (chunk.model_extra or {}).get("aragora", {})
    say(f"streamed: {chunks} chunks; first reasoning after {1000 * (first_reasoning or 0):.0f} ms, first answer delta after "
        f"{1000 * (first_content or 0):.0f} ms")
    say("reasoning: " + "".join(reasoning)[:400].replace("\n", "\n     "))
    say(f"answer in {len(content)} deltas: {''.join(content)[:160]!r}")
    record = stored(base, token, aragora.get("debate_id", "none"))
    check("stream: the panel's progress as reasoning_content, then the answer in several deltas",
          len(reasoning) >= 3 and len(content) >= 2 and first_reasoning < first_content, (len(reasoning), len(content)))
    check("stream: the deltas join to the stored final answer", "".join(content) == record["final_answer"])
    check("stream: the last chunk's usage equals the stored debate's usage",
          usage is not None and usage.prompt_tokens == record["usage"]["input_tokens"]
          and usage.completion_tokens == record["usage"]["output_tokens"] and finish == "stop", usage)

    if not real:
        follow = client.chat.completions.create(model=model, messages=[
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
            {"role": "user", "content": "What would the first month of that look like?"}])
        fid = follow.model_extra["aragora"]["debate_id"]
        frecord = stored(base, token, fid)
        check("follow-up: the panel sees the earlier answer", answer[:80] in (frecord.get("context") or "") and
              frecord["task"] == "What would the first month of that look like?", (frecord.get("context") or "")[:120])
        say(f"follow-up: {follow.choices[0].message.content[:120]!r}")

        capped = client.chat.completions.create(model=model, max_tokens=8, messages=[{"role": "user", "content": "Tabs or spaces?"}])
        check("max_tokens caps the answer, finish_reason length",
              capped.choices[0].finish_reason == "length" and len(capped.choices[0].message.content.encode()) <= 32,
              capped.choices[0].message.content)

    for name, exception, call in [
        ("a bad token raises AuthenticationError", openai.AuthenticationError,
         lambda: openai.OpenAI(base_url=base, api_key="nope", max_retries=0).models.list()),
        ("an unknown model raises NotFoundError", openai.NotFoundError,
         lambda: client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])),
        ("n=2 raises BadRequestError", openai.BadRequestError,
         lambda: client.chat.completions.create(model=model, n=2, messages=[{"role": "user", "content": "hi"}])),
        ("an image raises BadRequestError", openai.BadRequestError,
         lambda: client.chat.completions.create(model=model, messages=[{"role": "user", "content": [
             {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}])),
        ("tools raise BadRequestError", openai.BadRequestError,
         lambda: client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}], tools=[
             {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}])),
    ]:
        try:
            call()
            check(name, False, "no error")
        except exception as e:
            check(name, True, f"{e.status_code} {e.body.get('code') if isinstance(e.body, dict) else e.body}")
        except Exception as e:  # the wrong error is a failed check, with what came instead
            check(name, False, repr(e))

    if "--rate-limited" in sys.argv:
        try:
            for _ in range(5):
                client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Again?"}])
            check("past the creation budget raises RateLimitError", False, "no error")
        except openai.RateLimitError as e:
            check("past the creation budget raises RateLimitError", e.response.headers.get("retry-after") is not None,
                  f"{e.status_code} retry-after {e.response.headers.get('retry-after')}")

    print(f"openai checks: {results['ok']} ok, {results['failing']} failing", flush=True)
    sys.exit(1 if results["failing"] else 0)


if __name__ == "__main__":
    main()
