"""An aiocoap (0.4.x) CoAP server on loopback for the CoAP interop tests (examples/net/tests/interop_coap*.rs).

Usage: python3 coap_server.py --port PORT [--host 127.0.0.1] [--obs-interval SECONDS]
                              [--separate-delay SECONDS] [--large-size BYTES] [--lifetime SECONDS]
                              [--transports udp[,tcp][,ws]] [--exit-on-stdin-eof]

net::coap_peers::AiocoapServer starts it on a free UDP port and waits until it answers a CoAP
GET /.well-known/core. By default it serves UDP only; --transports adds CoAP over TCP (RFC 8323
§3, aiocoap's "tcpserver", on PORT too) and over WebSockets (§4, aiocoap's "ws", which needs the
websockets package and binds PORT + 3000: aiocoap's rule for an explicit port; path
/.well-known/coap, subprotocol coap). No TLS. The resources:

    /.well-known/core  the link-format list of the others (RFC 6690)
    /test     GET 2.05 "hello" (text/plain); PUT 2.04; POST 2.01 with Location-Path
              location1/location2/location3; DELETE 2.02 (like the ETSI plugtest's /test; the
              state never changes, so GET is always "hello")
    /separate GET 2.05 "separate" after --separate-delay seconds (default 3): aiocoap sends the
              empty ACK of a CON request after 0.1 s (EMPTY_ACK_DELAY) and then the response
              as a separate CON
    /obs      observable (RFC 7641); GET 2.05 the counter as decimal text; the counter goes up
              by one every --obs-interval seconds (default 1) and each step notifies observers
    /large    GET 2.05 --large-size bytes (default 2500; 40-byte lines "large 0000 ...\\n"),
              block-wise (RFC 7959 Block2) above 1024 bytes or the client's block size; PUT
              (Block1 is reassembled by aiocoap) replaces the body, 2.04
    /large-post
              POST 2.04 with the request body in ASCII upper case (text/plain), like the ETSI
              plugtest's /large-post (TD_COAP_BLOCK_05): a large request and a large answer,
              block-wise both ways (RFC 7959 §3.3); aiocoap reassembles and slices

Output, line by line on stdout (flushed; the harness keeps it in the server's log):

    ready <host>:<port> transports=<udp,tcp,ws> ws_port=<port + 3000 or ->
    request <METHOD> /<path> <CON|NON> mid=<n> token=<hex> cf=<n or -> observe=<n or -> len=<n> payload=<repr>
    notify /obs <counter>

aiocoap's own log (every message sent and received, at DEBUG) goes to stderr. The script exits
after --lifetime seconds (default 600) or, with --exit-on-stdin-eof, when its stdin closes (the
harness holds the write end, so the server cannot outlive a test process that died).
"""

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading

# Before aiocoap is imported: never share a port with another socket (SO_REUSEPORT would let a
# second server bind the port a first one holds, and the two would split the datagrams).
os.environ["AIOCOAP_REUSE_PORT"] = "0"

import aiocoap  # noqa: E402
import aiocoap.resource as resource  # noqa: E402
from aiocoap.numbers.contentformat import ContentFormat  # noqa: E402


def out(line):
    print(line, flush=True)


def log_request(path, request):
    # `path` is the resource's: the Site hands a resource the request with its own path removed.
    cf = request.opt.content_format
    observe = request.opt.observe
    payload = bytes(request.payload)
    out(
        f"request {request.code}"
        f" {path} {request.mtype.name if request.mtype is not None else '-'}"
        f" mid={request.mid} token={bytes(request.token).hex()}"
        f" cf={int(cf) if cf is not None else '-'} observe={observe if observe is not None else '-'}"
        f" len={len(payload)} payload={payload[:64]!r}"
    )


def text(payload, **kwargs):
    return aiocoap.Message(payload=payload.encode(), content_format=ContentFormat.TEXT, **kwargs)


class Test(resource.Resource):
    """/test: the ETSI plugtest's echo-style resource."""

    async def render_get(self, request):
        log_request("/test", request)
        return text("hello", code=aiocoap.CONTENT)

    async def render_put(self, request):
        log_request("/test", request)
        return aiocoap.Message(code=aiocoap.CHANGED)

    async def render_post(self, request):
        log_request("/test", request)
        return aiocoap.Message(code=aiocoap.CREATED, location_path=("location1", "location2", "location3"))

    async def render_delete(self, request):
        log_request("/test", request)
        return aiocoap.Message(code=aiocoap.DELETED)


class Separate(resource.Resource):
    """/separate: answers late, so a CON request gets an empty ACK first."""

    def __init__(self, delay):
        super().__init__()
        self.delay = delay

    async def render_get(self, request):
        log_request("/separate", request)
        await asyncio.sleep(self.delay)
        return text("separate", code=aiocoap.CONTENT)


class Counter(resource.ObservableResource):
    """/obs: a counter that steps every `interval` seconds and notifies its observers."""

    def __init__(self, interval):
        super().__init__()
        self.interval = interval
        self.count = 0
        # aiocoap renders each notification by calling render_get again with the registering
        # request; those calls are not requests, so each request is logged once.
        self.logged = set()

    async def run(self):
        while True:
            await asyncio.sleep(self.interval)
            self.count += 1
            out(f"notify /obs {self.count}")
            self.updated_state()

    async def render_get(self, request):
        key = (str(request.remote), request.mid, bytes(request.token))
        if key not in self.logged:
            self.logged.add(key)
            log_request("/obs", request)
        return text(str(self.count), code=aiocoap.CONTENT)


class Large(resource.Resource):
    """/large: a body over 1024 bytes, so that it goes block-wise; PUT replaces it."""

    def __init__(self, size):
        super().__init__()
        lines = "".join(f"large {i:04} {'abcdefghijklmnopqrstuvwxyz0123'[: 40 - 12]}\n" for i in range(size // 40 + 1))
        self.body = lines.encode()[:size]

    async def render_get(self, request):
        log_request("/large", request)
        return aiocoap.Message(code=aiocoap.CONTENT, payload=self.body, content_format=ContentFormat.TEXT)

    async def render_put(self, request):
        log_request("/large", request)
        self.body = bytes(request.payload)
        return aiocoap.Message(code=aiocoap.CHANGED)


class LargePost(resource.Resource):
    """/large-post: answers a POST with its body in upper case, so both directions go block-wise."""

    async def render_post(self, request):
        log_request("/large-post", request)
        return aiocoap.Message(code=aiocoap.CHANGED, payload=bytes(request.payload).upper(), content_format=ContentFormat.TEXT)


def watch_stdin():
    # Returns at EOF: the process that started us is gone (or dropped our handle).
    try:
        sys.stdin.buffer.read()
    finally:
        os._exit(0)


async def main(args):
    site = resource.Site()
    site.add_resource([".well-known", "core"], resource.WKCResource(site.get_resources_as_linkheader))
    site.add_resource(["test"], Test())
    site.add_resource(["separate"], Separate(args.separate_delay))
    counter = Counter(args.obs_interval)
    site.add_resource(["obs"], counter)
    site.add_resource(["large"], Large(args.large_size))
    site.add_resource(["large-post"], LargePost())
    # Only the transports asked for: the defaults also listen on TLS, which the tests do not use.
    names = {"udp": "udp6", "tcp": "tcpserver", "ws": "ws"}
    transports = args.transports.split(",")
    await aiocoap.Context.create_server_context(
        site, bind=(args.host, args.port), transports=[names[t] for t in transports]
    )
    ws_port = args.port + 3000 if "ws" in transports else "-"
    out(f"ready {args.host}:{args.port} transports={','.join(transports)} ws_port={ws_port}")
    await counter.run()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--obs-interval", type=float, default=1.0)
    parser.add_argument("--separate-delay", type=float, default=3.0)
    parser.add_argument("--large-size", type=int, default=2500)
    parser.add_argument("--lifetime", type=int, default=600)
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    parser.add_argument("--transports", default="udp", help="comma-separated: udp (always), tcp, ws")
    args = parser.parse_args()
    if not set(args.transports.split(",")) <= {"udp", "tcp", "ws"} or "udp" not in args.transports.split(","):
        parser.error("--transports takes udp (which the harness needs to see the server ready), tcp, ws")
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    # A bound on the whole run, whatever happens to the process that started us.
    signal.signal(signal.SIGALRM, lambda *_: os._exit(0))
    signal.alarm(args.lifetime)
    if args.exit_on_stdin_eof:
        threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        asyncio.run(main(args))
    except OSError as e:
        # The port is taken (errno 98, EADDRINUSE): the harness reads "Address already in use"
        # and tries another. asyncio's TCP bind words it differently, hence the strerror.
        out(f"error: {os.strerror(e.errno) if e.errno else ''}: {e}")
        sys.exit(1)
