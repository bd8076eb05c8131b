"""Observe a CoAP resource with the aiocoap (0.4.x) library for a while, then end the observation.

Usage: python3 observe_client.py URI [--seconds SECONDS] [--linger SECONDS] [--summary]

aiocoap-client's --observe is broken in aiocoap 0.4.17 (it cancels the observation as soon as the
first response is in; aiocoap issue 395); the library's `async for` over `request.observation`
works, so the CoAP interop tests (examples/net/tests/interop_coap.rs) observe with this script.

Output, line by line on stdout (flushed):

    response <code> <CON|NON|ACK> observe=<n or -> payload=<text>
    notification <code> <CON|NON|ACK> observe=<n or -> payload=<text>
    cancelled after <n> notifications

With --summary, `payload=<text>` is `len=<n> first=<first line>` instead (for large bodies, which
aiocoap fetches block-wise, RFC 7959 §3.4, before handing them over).
    error <what>

After --seconds (default 2) the script cancels the observation (`observation.cancel()`), keeps
the context open for --linger seconds (default 1) so that aiocoap can answer what the server
still sends, and exits 0; 1 when the request failed or the server did not register the
observation. aiocoap 0.4.17 sends no deregistering GET (Observe 1) on cancel: it answers the next
CON notification with RST and ignores NON ones, so a server that notifies with NON keeps the
observer.
"""

import argparse
import asyncio
import sys

import aiocoap


def out(line):
    print(line, flush=True)


SUMMARY = False


def describe(kind, message):
    observe = message.opt.observe
    mtype = message.mtype.name if message.mtype is not None else "-"
    payload = bytes(message.payload).decode("utf-8", "replace")
    body = f"len={len(message.payload)} first={payload.split(chr(10))[0]}" if SUMMARY else f"payload={payload}"
    return f"{kind} {message.code} {mtype} observe={observe if observe is not None else '-'} {body}"


async def main(args):
    context = await aiocoap.Context.create_client_context()
    request = aiocoap.Message(code=aiocoap.GET, uri=args.uri, observe=0)
    requester = context.request(request)
    try:
        response = await asyncio.wait_for(requester.response, timeout=10)
    except Exception as e:  # noqa: BLE001 - any failure is a line for the test
        out(f"error {type(e).__name__}: {e}")
        return 1
    out(describe("response", response))
    if response.opt.observe is None:
        out("error not registered: the response has no Observe option")
        return 1

    count = 0

    async def notifications():
        nonlocal count
        async for notification in requester.observation:
            count += 1
            out(describe("notification", notification))

    try:
        await asyncio.wait_for(notifications(), timeout=args.seconds)
    except asyncio.TimeoutError:
        pass
    except Exception as e:  # noqa: BLE001
        out(f"error {type(e).__name__}: {e}")
        return 1
    requester.observation.cancel()
    out(f"cancelled after {count} notifications")
    # Stay a moment, so that the next notification meets this context (and its RST).
    await asyncio.sleep(args.linger)
    await context.shutdown()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("uri")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--linger", type=float, default=1.0)
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    SUMMARY = args.summary
    sys.exit(asyncio.run(main(args)))
