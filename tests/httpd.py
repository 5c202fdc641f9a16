#!/usr/bin/env python3
"""Test HTTP server for jobline's tests: loopback only, started and stopped
by the tests (tests/lib.sh start_httpd).

Serves files under --root.  Requests made through it as an HTTP proxy
(http_proxy=http://127.0.0.1:PORT) are answered the same way, by path, so
examples that name http://feeds.example.com/... run offline.

Paths under /_/ are test routes (see ROUTES below) that misbehave on
purpose; each test that needs one adds it here.
"""
import argparse
import os
import sys
import urllib.parse
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

ROUTES = {}


def route(path):
    def add(fn):
        ROUTES[path] = fn
        return fn
    return add


@route("/_/status")
def status_route(h, query):
    """/_/status?code=N: an empty answer with that status."""
    code = int(query.get("code", ["500"])[0])
    h.send_response(code)
    h.send_header("Content-Length", "0")
    h.end_headers()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "jobline-test-httpd"

    def log_message(self, fmt, *args):
        sys.stderr.write("httpd: " + (fmt % args) + "\n")

    def target(self):
        u = urllib.parse.urlsplit(self.path)
        return u.path or "/", urllib.parse.parse_qs(u.query)

    def do_GET(self):
        path, query = self.target()
        fn = ROUTES.get(path)
        if fn is None:
            for prefix, f in ROUTES.items():
                if prefix.endswith("/") and path.startswith(prefix):
                    fn = f
                    break
        if fn is not None:
            return fn(self, query)
        self.send_file(path)

    def do_HEAD(self):
        self.do_GET()

    def send_file(self, path, ctype=None):
        root = self.server.root
        full = os.path.realpath(os.path.join(root, path.lstrip("/")))
        if not full.startswith(root) or not os.path.isfile(full):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(full, "rb") as f:
            body = f.read()
        if ctype is None:
            ext = os.path.splitext(full)[1]
            ctype = {".xml": "application/xml", ".rss": "application/rss+xml",
                     ".atom": "application/atom+xml",
                     ".json": "application/json",
                     ".html": "text/html; charset=utf-8"}.get(
                         ext, "application/octet-stream")
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.root = os.path.realpath(args.root)
    if args.port_file:
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
