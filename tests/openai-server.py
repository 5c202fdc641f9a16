#!/usr/bin/env python3
"""A local OpenAI-compatible API server for jobline's tests and benchmarks:
loopback only, started and stopped by the tests.

    python3 tests/openai-server.py --port-file FILE [--key KEY] [--dim N]
                                   [--delay SECONDS]

Writes its port to FILE once listening (127.0.0.1, an ephemeral port).

POST /v1/embeddings        {"model": M, "input": str | [str], "dimensions"?}
    answers {"object": "list", "data": [{"object": "embedding", "index": i,
    "embedding": [...]}], "model": M, "usage": {"prompt_tokens": T,
    "total_tokens": T}} -- the data in REVERSE order (clients must use
    "index"); each embedding is a deterministic function of its text
    (--dim components, default 8, or "dimensions"), and T counts the
    whitespace-separated words of the inputs.
POST /v1/chat/completions  {"model": M, "messages": [...]}
    answers one choice whose content is "echo: " + the last message's
    content, with usage prompt/completion/total tokens (a stub that
    summarize's tests can extend).
GET /stats                 {"requests": N, "max_in_flight": N, "inputs": N}
    what the server saw, for tests that check concurrency.

Misbehaviour is chosen by the model name (so a client needs no special
support), a word of it per mode, e.g. "test-429-slow":
    429        the first attempt of each distinct request body answers 429
               with "Retry-After: 1"
    500        the first two attempts of each distinct body answer 500
    fail       every attempt answers 503 (no Retry-After)
    slow       every answer waits --delay seconds (default 0.3) first
    hang       every answer waits 30 s (for client timeouts)
    malformed  answers 200 with a body that is not JSON
    short      answers one embedding fewer than inputs
    badinput   answers 400 when an input contains the word "poison"
With --key KEY, requests without "Authorization: Bearer KEY" get 401.
"""
import argparse
import hashlib
import json
import math
import os
import struct
import sys
import threading
import time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

lock = threading.Lock()
attempts = {}          # sha256 of body -> attempts seen
stats = {"requests": 0, "max_in_flight": 0, "inputs": 0}
in_flight = 0


def vector(text, dim):
    """A deterministic unit vector for text."""
    out = []
    counter = 0
    while len(out) < dim:
        h = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        out.extend(v / 2**31 - 1.0 for v in struct.unpack("<8I", h))
        counter += 1
    out = out[:dim]
    norm = math.sqrt(sum(v * v for v in out)) or 1.0
    return [round(v / norm, 6) for v in out]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "jobline-openai-test"

    def log_message(self, fmt, *args):
        sys.stderr.write("openai-server: " + (fmt % args) + "\n")

    def answer(self, code, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/stats":
            with lock:
                return self.answer(200, dict(stats))
        self.answer(404, {"error": {"message": "not found"}})

    def do_POST(self):
        global in_flight
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        with lock:
            stats["requests"] += 1
            in_flight += 1
            stats["max_in_flight"] = max(stats["max_in_flight"], in_flight)
        try:
            self.serve(raw)
        finally:
            with lock:
                in_flight -= 1

    def serve(self, raw):
        key = self.server.key
        if key and self.headers.get("Authorization") != "Bearer " + key:
            return self.answer(401, {"error": {"message": "bad key"}})
        try:
            req = json.loads(raw)
        except ValueError:
            return self.answer(400, {"error": {"message": "bad JSON"}})
        modes = set(str(req.get("model", "")).split("-"))
        digest = hashlib.sha256(raw).hexdigest()
        with lock:
            attempts[digest] = attempts.get(digest, 0) + 1
            seen = attempts[digest]
        if "hang" in modes:
            time.sleep(30)
        if "slow" in modes:
            time.sleep(self.server.delay)
        if "429" in modes and seen == 1:
            return self.answer(429, {"error": {"message": "slow down"}},
                               [("Retry-After", "1")])
        if "500" in modes and seen <= 2:
            return self.answer(500, {"error": {"message": "oops"}})
        if "fail" in modes:
            return self.answer(503, {"error": {"message": "down"}})
        if "malformed" in modes:
            return self.answer(200, b'{"data": [oops')
        if self.path.rstrip("/").endswith("/embeddings"):
            return self.embeddings(req, modes)
        if self.path.rstrip("/").endswith("/chat/completions"):
            return self.chat(req)
        self.answer(404, {"error": {"message": "no such endpoint"}})

    def embeddings(self, req, modes):
        inputs = req.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not all(
                isinstance(s, str) for s in inputs):
            return self.answer(400, {"error": {"message": "bad input"}})
        if "badinput" in modes and any("poison" in s for s in inputs):
            return self.answer(400, {"error": {"message": "bad input"}})
        dim = int(req.get("dimensions") or self.server.dim)
        data = [{"object": "embedding", "index": i,
                 "embedding": vector(s, dim)} for i, s in enumerate(inputs)]
        if "short" in modes:
            data = data[:-1]
        data.reverse()
        tokens = sum(len(s.split()) for s in inputs)
        with lock:
            stats["inputs"] += len(inputs)
        self.answer(200, {"object": "list", "data": data,
                          "model": req.get("model"),
                          "usage": {"prompt_tokens": tokens,
                                    "total_tokens": tokens}})

    def chat(self, req):
        msgs = req.get("messages") or [{}]
        content = str(msgs[-1].get("content", ""))
        prompt = sum(len(str(m.get("content", "")).split()) for m in msgs)
        reply = "echo: " + content
        done = len(reply.split())
        self.answer(200, {
            "id": "chatcmpl-test", "object": "chat.completion",
            "model": req.get("model"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant",
                                     "content": reply}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": done,
                      "total_tokens": prompt + done}})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--key")
    ap.add_argument("--dim", type=int, default=8)
    ap.add_argument("--delay", type=float, default=0.3)
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.key = args.key
    srv.dim = args.dim
    srv.delay = args.delay
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
