#!/usr/bin/env python3
"""The OpenAI-compatible test server (tests/openai-server.py) with chat
completions that answer summarize's prompt: loopback only, started and
stopped by the tests.  Owned by summarize; openai-server.py is unchanged.

    python3 tests/openai-chat.py --port-file FILE [--key KEY] [--delay S]

POST /v1/chat/completions  {"model": M, "messages": [..., {"role": "user",
    "content": "{\"articles\": [{\"id\": N, \"title\": T, \"text\": X}]}"}]}
    answers one choice whose content is {"summaries": [{"id": N,
    "summary": "Summary N: " + the first six words of X}]}, with usage
    prompt/completion/total tokens (whitespace-separated words).

Everything else, and the modes 429, 500, fail, slow, hang and malformed,
is openai-server.py's.  More modes, words of the model name as there:
    garbage    the content is prose, not JSON, on every attempt
    garbage1   ... on the first attempt of each distinct request only
    missing    the last article's summary is left out, every attempt
    missing1   ... on the first attempt only
    extra      an entry for an unknown id and a duplicate come first
    fenced     the JSON comes inside a ```json code fence, after prose
    strid      ids are strings, in reverse order
    long       every summary is 3000 characters long
    empty      every summary is blank
    measure    every summary is "T title characters, X text characters"
"""
import hashlib
import importlib.util
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "openai_server", os.path.join(here, "openai-server.py"))
base = importlib.util.module_from_spec(spec)
spec.loader.exec_module(base)


class ChatHandler(base.Handler):
    def serve(self, raw):
        self.raw = raw
        return super().serve(raw)

    def chat(self, req):
        modes = set(str(req.get("model", "")).split("-"))
        digest = hashlib.sha256(self.raw).hexdigest()
        with base.lock:
            seen = base.attempts.get(digest, 1)
        msgs = req.get("messages") or [{}]
        try:
            arts = json.loads(msgs[-1].get("content", ""))["articles"]
        except (ValueError, KeyError, TypeError):
            return super().chat(req)
        out = []
        for a in arts:
            words = str(a.get("text", "")).split()[:6]
            out.append({"id": a.get("id"),
                        "summary": f"Summary {a.get('id')}: " +
                        " ".join(words)})
        if "measure" in modes:
            for e, a in zip(out, arts):
                e["summary"] = (f"{len(str(a.get('title', '')))} title "
                                f"characters, {len(str(a.get('text', '')))} "
                                "text characters")
        if "long" in modes:
            for e in out:
                e["summary"] = ("word " * 600).strip()
        if "empty" in modes:
            for e in out:
                e["summary"] = "  \n "
        if "missing" in modes or ("missing1" in modes and seen == 1):
            out = out[:-1]
        if "extra" in modes and out:
            out = [{"id": 99, "summary": "nobody"},
                   {"id": out[0]["id"], "summary": "x"}] + out
            out[1], out[2] = out[2], out[1]
        if "strid" in modes:
            for e in out:
                e["id"] = str(e["id"])
            out.reverse()
        content = json.dumps({"summaries": out}, ensure_ascii=False)
        if "fenced" in modes:
            content = "Here are the summaries:\n```json\n" + content + \
                "\n```\n"
        if "garbage" in modes or ("garbage1" in modes and seen == 1):
            content = "Sorry, I cannot summarise these articles."
        with base.lock:
            base.stats["inputs"] += len(arts)
        prompt = sum(len(str(m.get("content", "")).split()) for m in msgs)
        done = len(content.split())
        self.answer(200, {
            "id": "chatcmpl-test", "object": "chat.completion",
            "model": req.get("model"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant",
                                     "content": content}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": done,
                      "total_tokens": prompt + done}})


if __name__ == "__main__":
    base.Handler = ChatHandler
    base.main()
