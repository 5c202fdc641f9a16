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
import json
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


# ---- fetch-feed routes ----

def _feed_file(h, query):
    """The bytes of ?f=PATH under --root (default rss2.xml), or None."""
    rel = query.get("f", ["feeds/rss2.xml"])[0]
    full = os.path.realpath(os.path.join(h.server.root, rel))
    if not full.startswith(h.server.root) or not os.path.isfile(full):
        return None
    with open(full, "rb") as f:
        return f.read()


def _send(h, code, body=b"", headers=()):
    h.send_response(code)
    for k, v in headers:
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(body)


_hits = {}


@route("/_/cond")
def cond_route(h, query):
    """/_/cond?f=PATH: a feed with an ETag and a Last-Modified; 304 when
    If-None-Match or If-Modified-Since matches.  With &vary=1 the
    Last-Modified changes with the body's size too (minutes after 10:00)."""
    body = _feed_file(h, query)
    etag = '"v1-%d"' % len(body)
    lm = "Sat, 21 Nov 2026 10:00:00 GMT"
    if query.get("vary"):
        import email.utils
        lm = email.utils.formatdate(1795082400 + 60 * len(body),
                                    usegmt=True)
    hdrs = [("ETag", etag), ("Last-Modified", lm)]
    if h.headers.get("If-None-Match") == etag or \
            h.headers.get("If-Modified-Since") == lm:
        h.send_response(304)
        for k, v in hdrs:
            h.send_header(k, v)
        h.end_headers()
        return
    _send(h, 200, body, hdrs + [("Content-Type", "application/rss+xml")])


@route("/_/gzip")
def gzip_route(h, query):
    """/_/gzip?f=PATH: the file gzip-encoded."""
    import gzip
    _send(h, 200, gzip.compress(_feed_file(h, query)),
          [("Content-Encoding", "gzip"), ("Content-Type", "text/xml")])


@route("/_/br")
def br_route(h, query):
    """/_/br?f=PATH: PATH.br, a brotli file made beforehand, as br."""
    query = {"f": [query.get("f", ["feeds/rss2.xml"])[0] + ".br"]}
    _send(h, 200, _feed_file(h, query),
          [("Content-Encoding", "br"), ("Content-Type", "text/xml")])


@route("/_/redirect")
def redirect_route(h, query):
    """/_/redirect?n=N&f=PATH: N redirects, then /PATH."""
    n = int(query.get("n", ["1"])[0])
    f = query.get("f", ["feeds/rss2.xml"])[0]
    loc = "/_/redirect?n=%d&f=%s" % (n - 1, f) if n > 1 else "/" + f
    _send(h, 301 if n % 2 else 302, b"moved", [("Location", loc)])


@route("/_/loop")
def loop_route(h, query):
    """/_/loop?s=a: redirects a -> b -> a ..."""
    s = query.get("s", ["a"])[0]
    _send(h, 302, b"", [("Location", "/_/loop?s=" + ("b" if s == "a" else "a"))])


@route("/_/drip")
def drip_route(h, query):
    """/_/drip?s=SECONDS: a feed sent a byte every 0.2 s for that long."""
    import time
    secs = float(query.get("s", ["5"])[0])
    h.send_response(200)
    h.send_header("Content-Type", "text/xml")
    h.end_headers()
    h.wfile.write(b"<rss><channel><title>slow</title>")
    end = time.time() + secs
    try:
        while time.time() < end:
            h.wfile.write(b" ")
            h.wfile.flush()
            time.sleep(0.2)
        h.wfile.write(b"</channel></rss>")
    except OSError:
        pass
    h.close_connection = True


@route("/_/huge")
def huge_route(h, query):
    """/_/huge?mb=N: an endless-looking RSS of N MiB, chunk by chunk."""
    mb = int(query.get("mb", ["20"])[0])
    item = b"<item><title>filler</title><description>" + b"x" * 900 + \
        b"</description></item>"
    h.send_response(200)
    h.send_header("Content-Type", "text/xml")
    h.send_header("Content-Length", str(mb << 20))
    h.end_headers()
    sent = 0
    try:
        head = b"<rss><channel><title>huge</title>"
        h.wfile.write(head)
        sent = len(head)
        while sent + len(item) <= mb << 20:
            h.wfile.write(item)
            sent += len(item)
    except OSError:
        pass
    h.close_connection = True


_bomb = []


@route("/_/bomb")
def bomb_route(h, query):
    """/_/bomb: 64 MiB of spaces inside an RSS, gzip-encoded (64 KiB)."""
    import zlib
    if not _bomb:
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        out = [c.compress(b"<rss><channel><title>bomb</title>")]
        block = b" " * (1 << 20)
        for _ in range(64):
            out.append(c.compress(block))
        out.append(c.compress(b"</channel></rss>"))
        out.append(c.flush())
        _bomb.append(b"".join(out))
    _send(h, 200, _bomb[0], [("Content-Encoding", "gzip"),
                             ("Content-Type", "text/xml")])


@route("/_/flaky")
def flaky_route(h, query):
    """/_/flaky?key=K&code=N&times=T&after=S: the first T requests for K
    get status N (with Retry-After: S when given), then the feed."""
    key = query.get("key", ["k"])[0]
    code = int(query.get("code", ["500"])[0])
    times = int(query.get("times", ["1"])[0])
    _hits[key] = _hits.get(key, 0) + 1
    if _hits[key] <= times:
        hdrs = []
        if "after" in query:
            hdrs.append(("Retry-After", query["after"][0]))
        _send(h, code, b"try later", hdrs)
        return
    _send(h, 200, _feed_file(h, query), [("Content-Type", "text/xml")])


@route("/_/hits")
def hits_route(h, query):
    """/_/hits?key=K: how many times /_/flaky saw K, as text."""
    _send(h, 200, str(_hits.get(query.get("key", ["k"])[0], 0)).encode(),
          [("Content-Type", "text/plain")])


# ---- run-job --ping routes ----

_pings = {}


@route("/_/ping/")
def ping_route(h, query):
    """/_/ping/MODE/...: a healthchecks.io-like endpoint that appends each
    request, as a JSON line {method, path, body}, to ping.log under
    --root.  MODE ok answers 200; flaky answers 503 to the first request
    of each path, then 200; down always 500."""
    path = urllib.parse.urlsplit(h.path).path
    entry = {"method": h.command, "path": path,
             "body": getattr(h, "body", b"").decode("utf-8", "replace")}
    with open(os.path.join(h.server.root, "ping.log"), "a") as f:
        f.write(json.dumps(entry) + "\n")
    mode = path.split("/")[3] if path.count("/") >= 3 else "ok"
    _pings[path] = _pings.get(path, 0) + 1
    if mode == "down" or (mode == "flaky" and _pings[path] == 1):
        _send(h, 503 if mode == "flaky" else 500, b"no")
        return
    _send(h, 200, b"OK", [("Content-Type", "text/plain")])


@route("/_/ctype")
def ctype_route(h, query):
    """/_/ctype?f=PATH&ct=TYPE: the file with that Content-Type."""
    _send(h, 200, _feed_file(h, query),
          [("Content-Type", query.get("ct", ["text/xml"])[0])])


@route("/_/auth")
def auth_route(h, query):
    """/_/auth?f=PATH&token=T: the file when the request says
    Authorization: Bearer T and Accept: application/json, else 401."""
    want = "Bearer " + query.get("token", [""])[0]
    if (h.headers.get("Authorization") != want or
            h.headers.get("Accept") != "application/json"):
        _send(h, 401, b"who are you")
        return
    _send(h, 200, _feed_file(h, query),
          [("Content-Type", "application/json")])


@route("/_/ua")
def ua_route(h, query):
    """/_/ua: an RSS whose item title is the request's User-Agent and whose
    description lists its Accept-Encoding."""
    from xml.sax.saxutils import escape
    body = ("<rss><channel><title>ua</title><item><guid>ua</guid><title>%s"
            "</title><description>%s</description></item></channel></rss>" % (
                escape(h.headers.get("User-Agent", "")),
                escape(h.headers.get("Accept-Encoding", "")))).encode()
    _send(h, 200, body, [("Content-Type", "text/xml")])


@route("/_/news")
def news_route(h, query):
    """/_/news?q=QUERY: a news search answer (like Google News RSS search)
    with two items about QUERY; status 500 when QUERY contains "Failing".
    Each request is counted under the key news:QUERY (see /_/hits)."""
    from xml.sax.saxutils import escape
    q = query.get("q", [""])[0]
    key = "news:" + q
    _hits[key] = _hits.get(key, 0) + 1
    if "Failing" in q:
        _send(h, 500, b"search failed")
        return
    name = q.strip('"')
    items = "".join(
        "<item><guid>news-%s-%d</guid><title>%s</title>"
        "<link>https://news.example.com/%d?q=%s</link>"
        "<pubDate>Sun, 22 Nov 2026 0%d:00:00 GMT</pubDate>"
        "<description>%s</description></item>" % (
            escape(urllib.parse.quote(name)), n, escape(t), n,
            escape(urllib.parse.quote(name)), n, escape(t))
        for n, t in ((1, name + " raises $20 million in Series B funding"),
                     (2, name + " opens a new office in Berlin")))
    body = ("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>"
            "<title>\"%s\" - Google News</title>%s</channel></rss>" % (
                escape(name), items)).encode()
    _send(h, 200, body, [("Content-Type", "application/rss+xml")])


_conc = {"now": 0, "max": 0}
_conc_lock = __import__("threading").Lock()


@route("/_/conc")
def conc_route(h, query):
    """/_/conc?n=I: a small feed after 0.3 s; /_/conc?max=1 answers the
    most requests this route was serving at once, as text."""
    import time
    if "max" in query:
        _send(h, 200, str(_conc["max"]).encode(), [("Content-Type", "text/plain")])
        return
    with _conc_lock:
        _conc["now"] += 1
        _conc["max"] = max(_conc["max"], _conc["now"])
    time.sleep(0.3)
    with _conc_lock:
        _conc["now"] -= 1
    body = ("<rss><channel><title>c</title><item><guid>%s</guid></item>"
            "</channel></rss>" % query.get("n", ["0"])[0]).encode()
    _send(h, 200, body, [("Content-Type", "text/xml")])


# ---- hostile feeds (tests/t0900-hostile-feeds.sh) ----
# Bodies are made as they are sent, never held whole or written to disk;
# each route stops when the client closes (OSError on write).

def _stream(h, chunks, headers=(), length=None):
    """Send the byte strings of the iterator chunks as the body: with
    Content-Length when length is given, else chunked."""
    h.send_response(200)
    for k, v in headers:
        h.send_header(k, v)
    if length is not None:
        h.send_header("Content-Length", str(length))
    else:
        h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    try:
        for c in chunks:
            if not c:
                continue
            if length is None:
                h.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
            else:
                h.wfile.write(c)
        if length is None:
            h.wfile.write(b"0\r\n\r\n")
    except OSError:
        pass
    h.close_connection = True


def _filler(total):
    """total bytes of RSS: a channel, then items of 1 KiB."""
    head = b"<rss><channel><title>big</title>"
    item = b"<item><title>filler</title><description>" + b"x" * 983 + \
        b"</description></item>"
    yield head
    sent = len(head)
    block = item * 64
    while total is None or sent + len(block) <= total:
        yield block
        sent += len(block)
    if total is not None:
        yield b" " * (total - sent)


@route("/_/big")
def big_route(h, query):
    """/_/big?mb=N[&chunked=1]: an RSS body of N MiB (2048: 2 GiB), made
    as it is sent, with its Content-Length (or chunked)."""
    total = int(query.get("mb", ["2048"])[0]) << 20
    chunked = query.get("chunked", ["0"])[0] == "1"
    _stream(h, _filler(total), [("Content-Type", "text/xml")],
            None if chunked else total)


@route("/_/endless")
def endless_route(h, query):
    """/_/endless: a chunked RSS that never ends: 64 KiB of items per
    chunk until the client closes."""
    _stream(h, _filler(None), [("Content-Type", "text/xml")])


@route("/_/gzbomb")
def gzbomb_route(h, query):
    """/_/gzbomb?gb=N: N GiB of spaces inside an RSS, gzip-encoded as it
    is sent (about 1 MiB on the wire per GiB), chunked."""
    import zlib
    gb = int(query.get("gb", ["10"])[0])

    def gen():
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        yield c.compress(b"<rss><channel><title>bomb</title><item><title>")
        block = b" " * (1 << 20)
        for _ in range(gb << 10):
            yield c.compress(block)
        yield c.compress(b"</title></item></channel></rss>") + c.flush()
    _stream(h, gen(), [("Content-Encoding", "gzip"),
                       ("Content-Type", "text/xml")])


@route("/_/items")
def items_route(h, query):
    """/_/items?n=N: an RSS of N small items with guids i1 .. iN."""
    n = int(query.get("n", ["100000"])[0])

    def gen():
        yield b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>" \
            b"<title>many</title>"
        for start in range(1, n + 1, 1000):
            yield b"".join(
                b"<item><guid>i%d</guid><title>item %d</title></item>" %
                (i, i) for i in range(start, min(start + 1000, n + 1)))
        yield b"</channel></rss>"
    _stream(h, gen(), [("Content-Type", "application/rss+xml")])


@route("/_/bigfield")
def bigfield_route(h, query):
    """/_/bigfield?mb=N&el=title: an RSS whose first item has an element
    (title by default) of N MiB of words, then a small second item."""
    mb = int(query.get("mb", ["10"])[0])
    el = query.get("el", ["title"])[0].encode()

    def gen():
        yield b"<rss><channel><title>big field</title><item><guid>big</guid>"
        yield b"<" + el + b">"
        word = b"caf\xc3\xa9 na\xc3\xafve "     # UTF-8, 16 bytes
        block = word * 4096
        for _ in range((mb << 20) // len(block)):
            yield block
        yield b"</" + el + b"><link>http://example.com/big</link></item>"
        yield b"<item><guid>after</guid><title>after the big one</title>" \
            b"</item></channel></rss>"
    _stream(h, gen(), [("Content-Type", "text/xml")])


@route("/_/nest")
def nest_route(h, query):
    """/_/nest?n=N: an item, then N nested elements (never closed unless
    close=1), then an item that should not matter."""
    n = int(query.get("n", ["1000000"])[0])
    close = query.get("close", ["0"])[0] == "1"

    def gen():
        yield b"<rss><channel><title>nest</title><item><guid>before</guid>" \
            b"<title>before the nest</title></item>"
        for i in range(0, n, 10000):
            yield b"<a>" * min(10000, n - i)
        if close:
            for i in range(0, n, 10000):
                yield b"</a>" * min(10000, n - i)
        yield b"<item><guid>after</guid><title>after</title></item>" \
            b"</channel></rss>"
    _stream(h, gen(), [("Content-Type", "text/xml")])


@route("/_/xxe")
def xxe_route(h, query):
    """/_/xxe: external entities naming a local file and this server's
    /_/evil (which counts hits under the key evil), a parameter entity and
    an external DTD."""
    port = h.server.server_address[1]
    body = ("<?xml version=\"1.0\"?>\n"
            "<!DOCTYPE rss SYSTEM \"http://127.0.0.1:%d/_/evil?dtd\" [\n"
            "<!ENTITY file SYSTEM \"file:///etc/passwd\">\n"
            "<!ENTITY net SYSTEM \"http://127.0.0.1:%d/_/evil?ent\">\n"
            "<!ENTITY %% pe SYSTEM \"http://127.0.0.1:%d/_/evil?pe\">\n"
            "%%pe;\n]>\n"
            "<rss version=\"2.0\"><channel><title>xxe</title>"
            "<item><guid>xxe</guid><title>a &file; b</title>"
            "<description>c &net; d</description></item>"
            "</channel></rss>" % (port, port, port)).encode()
    _send(h, 200, body, [("Content-Type", "application/rss+xml")])


@route("/_/evil")
def evil_route(h, query):
    """/_/evil: counts hits under the key evil; answers a DTD/entity text."""
    _hits["evil"] = _hits.get("evil", 0) + 1
    _send(h, 200, b"<!ENTITY leak \"LEAKED\">LEAKED",
          [("Content-Type", "text/plain")])


@route("/_/laughs")
def laughs_route(h, query):
    """/_/laughs: billion laughs (10 levels of 10), in a title and in an
    attribute, plus a quadratic blowup (one 100 KiB entity used 10,000
    times)."""
    ents = ["<!ENTITY lol0 \"lol\">"]
    for i in range(1, 10):
        ents.append("<!ENTITY lol%d \"%s\">" % (i, ("&lol%d;" % (i - 1)) * 10))
    ents.append("<!ENTITY big \"%s\">" % ("x" * 102400))
    body = ("<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n%s\n]>\n"
            "<rss version=\"2.0\"><channel><title>laughs</title>"
            "<item><guid>l1</guid><title>&lol9;</title>"
            "<link>http://example.com/&lol9;</link></item>"
            "<item><guid>l2</guid><description>%s</description></item>"
            "</channel></rss>" % ("\n".join(ents), "&big;" * 10000)).encode()
    _send(h, 200, body, [("Content-Type", "application/rss+xml")])


def _garbage(rnd, n, json=False):
    """n bytes that are not UTF-8: lone continuation bytes, overlongs,
    surrogates, truncated sequences, bytes over F4, controls, NUL (in
    JSON only the bytes that are not UTF-8, so the syntax holds)."""
    bad = [b"\x80", b"\xbf", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80",
           b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xfe", b"\xff",
           b"\xe2\x82", b"\xf0\x9f\x98", b"\x00", b"\x01", b"\x1b", b"\x7f",
           b"\xc3", b"a", b"\xc3\xa9", b"\"", b"\\"]
    if json:
        bad = [b for b in bad if b[0] >= 0x80 or b == b"a"]
    return b"".join(rnd.choice(bad) for _ in range(n))


@route("/_/badutf8")
def badutf8_route(h, query):
    """/_/badutf8?kind=rss|atom|json&seed=N: a feed declared UTF-8 with
    bytes that are not UTF-8 in every field, attribute and id."""
    import random
    rnd = random.Random(int(query.get("seed", ["1"])[0]))
    kind = query.get("kind", ["rss"])[0]
    g = lambda: _garbage(rnd, 40, kind == "json")
    if kind == "json":
        items = []
        for i in range(20):
            items.append(b"{\"id\": \"" + g() + b"\", \"url\": \"http://e.com/"
                         + g() + b"\", \"title\": \"" + g() +
                         b"\", \"content_text\": \"" + g() +
                         b"\", \"tags\": [\"" + g() + b"\"], \"authors\": "
                         b"[{\"name\": \"" + g() + b"\"}]}")
        body = b"{\"version\": \"https://jsonfeed.org/version/1.1\", " \
            b"\"title\": \"" + g() + b"\", \"items\": [" + \
            b", ".join(items) + b"]}"
        ct = "application/feed+json; charset=utf-8"
    elif kind == "atom":
        ents = b"".join(
            b"<entry xml:base=\"http://e.com/" + g() + b"/\"><id>" + g() +
            b"</id><title type=\"html\">" + g() + b"</title><link href=\"" +
            g() + b"\"/><author><name>" + g() + b"</name></author>"
            b"<category term=\"" + g() + b"\"/><content type=\"xhtml\">"
            b"<div xmlns=\"http://www.w3.org/1999/xhtml\">" + g() +
            b"</div></content><updated>" + g() + b"</updated></entry>"
            for _ in range(20))
        body = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=" \
            b"\"http://www.w3.org/2005/Atom\"><title>" + g() + b"</title>" + \
            ents + b"</feed>"
        ct = "application/atom+xml; charset=utf-8"
    else:
        items = b"".join(
            b"<item><guid>" + g() + b"</guid><title>" + g() + b"</title>"
            b"<link>http://e.com/" + g() + b"</link><description><![CDATA[" +
            g() + b"]]></description><author>" + g() + b"</author>"
            b"<category>" + g() + b"</category><pubDate>" + g() +
            b"</pubDate><enclosure url=\"http://e.com/" + g() +
            b"\" type=\"" + g() + b"\" length=\"" + g() + b"\"/></item>"
            for _ in range(20))
        body = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=" \
            b"\"2.0\"><channel><title>" + g() + b"</title>" + items + \
            b"</channel></rss>"
        ct = "application/rss+xml; charset=utf-8"
    _send(h, 200, body, [("Content-Type", ct)])


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

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(n) if n > 0 else b""
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
