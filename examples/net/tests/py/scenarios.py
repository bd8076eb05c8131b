"""paho-mqtt (2.x) scenarios against a broker on loopback, for examples/net/tests/interop_broker.rs.

Usage: python3 scenarios.py SCENARIO --port PORT [--version 3|5] [--prefix P]

Each scenario drives one or more paho clients by hand (Client.loop, no background thread and so
no automatic reconnect) and prints what they saw, one line each, for the Rust test to assert:

    connect <name> session_present=<0|1>
    suback <name> <reason codes>
    msg <name> <topic> <payload> q<qos> r<retain> [raw_topic=<t>] [alias=<n>] [ids=<a,b>] [expiry=<s>]
    disconnect <name> rc=<reason code>

Every wait is bounded (STEP seconds); a timeout prints `error: ...` and exits 1; the whole
script is stopped by SIGALRM after LIMIT seconds.
"""

import argparse
import signal
import sys
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

STEP = 5.0
LIMIT = 30
QUIET = 0.5


def out(line):
    print(line, flush=True)


def fail(why):
    out(f"error: {why}")
    sys.exit(1)


class Peer:
    """One paho client, its events in lists."""

    def __init__(self, args, name, client_id, clean=True, expiry=None, alias_max=None, will=None):
        self.name = name
        self.v5 = args.version == 5
        self.port = args.port
        self.clean = clean
        self.expiry = expiry
        self.alias_max = alias_max
        self.messages = []
        self.subacks = []
        self.acked = set()
        self.connected = None
        self.disconnected = None
        self.aliases = {}
        protocol = mqtt.MQTTv5 if self.v5 else mqtt.MQTTv311
        kwargs = {} if self.v5 else {"clean_session": clean}
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol, **kwargs)
        if will:
            topic, payload = will
            self.c.will_set(topic, payload, qos=1)
        self.c.on_connect = self._on_connect
        self.c.on_message = self._on_message
        self.c.on_subscribe = self._on_subscribe
        self.c.on_publish = self._on_publish
        self.c.on_disconnect = self._on_disconnect

    def _on_connect(self, _c, _u, flags, rc, _props):
        self.connected = (flags.session_present, rc.value)

    def _on_message(self, _c, _u, m):
        props = m.properties if self.v5 else None
        alias = getattr(props, "TopicAlias", None) if props else None
        topic = m.topic
        raw = topic
        if alias is not None:
            # paho does not resolve aliases it receives (5.0 §3.3.2.3.4): do it here.
            if topic:
                self.aliases[alias] = topic
            else:
                topic = self.aliases.get(alias, "?")
        line = f"msg {self.name} {topic} {m.payload.decode()} q{m.qos} r{int(m.retain)}"
        if alias is not None:
            line += f" raw_topic={raw} alias={alias}"
        ids = getattr(props, "SubscriptionIdentifier", None) if props else None
        if ids:
            line += " ids=" + ",".join(str(i) for i in sorted(ids))
        expiry = getattr(props, "MessageExpiryInterval", None) if props else None
        if expiry is not None:
            line += f" expiry={expiry}"
        self.messages.append(line)

    def _on_subscribe(self, _c, _u, mid, codes, _props):
        self.subacks.append((mid, [c.value for c in codes]))

    def _on_publish(self, _c, _u, mid, _rc, _props):
        self.acked.add(mid)

    def _on_disconnect(self, _c, _u, _flags, rc, _props):
        self.disconnected = rc.value

    def connect(self, clean=None):
        clean = self.clean if clean is None else clean
        self.connected = None
        self.disconnected = None
        self.aliases = {}
        if self.v5:
            props = Properties(PacketTypes.CONNECT)
            if self.expiry is not None:
                props.SessionExpiryInterval = self.expiry
            if self.alias_max is not None:
                props.TopicAliasMaximum = self.alias_max
            self.c.connect("127.0.0.1", self.port, keepalive=30, clean_start=clean, properties=props)
        else:
            self.c.connect("127.0.0.1", self.port, keepalive=30)
        run([self], lambda: self.connected is not None, f"{self.name}: CONNACK")
        present, code = self.connected
        if code != 0:
            fail(f"{self.name}: CONNACK {code}")
        out(f"connect {self.name} session_present={int(present)}")

    def subscribe(self, topic, qos=1, props=None, **options):
        if self.v5:
            opts = SubscribeOptions(qos=qos, **options)
            _, mid = self.c.subscribe(topic, options=opts, properties=props)
        else:
            _, mid = self.c.subscribe(topic, qos)
        run([self], lambda: any(m == mid for m, _ in self.subacks), f"{self.name}: SUBACK")
        codes = next(c for m, c in self.subacks if m == mid)
        out(f"suback {self.name} {','.join(str(c) for c in codes)}")

    def publish(self, topic, payload, qos=1, retain=False, props=None, others=()):
        info = self.c.publish(topic, payload, qos=qos, retain=retain, properties=props)
        if qos > 0:
            run([self, *others], lambda: info.mid in self.acked, f"{self.name}: PUBACK/PUBCOMP")
        else:
            run([self, *others], lambda: info.is_published(), f"{self.name}: QoS 0 written")

    def disconnect(self):
        self.c.disconnect()
        run([self], lambda: self.disconnected is not None, f"{self.name}: DISCONNECT written")

    def take(self):
        got, self.messages = self.messages, []
        return got


def run(peers, done, what, limit=STEP):
    deadline = time.monotonic() + limit
    while not done():
        if time.monotonic() > deadline:
            fail(f"timeout: {what}")
        for p in peers:
            p.c.loop(timeout=0.01)


def settle(peers, seconds=QUIET):
    """Runs the clients for a while (for what should not arrive)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for p in peers:
            p.c.loop(timeout=0.01)


def receive(peers, peer, n):
    run(peers, lambda: len(peer.messages) >= n, f"{peer.name}: {n} messages (have {peer.messages})")
    settle(peers)
    for line in peer.take():
        out(line)


def props(**kv):
    p = Properties(PacketTypes.PUBLISH)
    for k, v in kv.items():
        setattr(p, k, v)
    return p


# ---- scenarios ------------------------------------------------------------------------------


def qos(args):
    """paho to paho at QoS 0, 1 and 2 (subscription at QoS 2: each arrives as sent)."""
    t = f"{args.prefix}/pq"
    sub = Peer(args, "sub", f"{args.prefix}-sub")
    pub = Peer(args, "pub", f"{args.prefix}-pub")
    sub.connect()
    sub.subscribe(f"{t}/#", qos=2)
    pub.connect()
    for q in (0, 1, 2):
        pub.publish(f"{t}/{q}", f"m{q}", qos=q, others=[sub])
    receive([sub, pub], sub, 3)
    pub.disconnect()
    sub.disconnect()


def will(args):
    """Connects with a will and waits to be killed (or, with --clean, disconnects)."""
    p = Peer(args, "willer", f"{args.prefix}-willer", will=(f"{args.prefix}/will", "gone"))
    p.connect()
    if args.clean:
        p.disconnect()
        out("disconnected")
        return
    out("ready")
    while True:
        p.c.loop(timeout=0.1)


def session(args):
    """A persistent session: subscribe, leave, messages published meanwhile arrive on return."""
    t = f"{args.prefix}/ps"
    sub = Peer(args, "sub", f"{args.prefix}-sub", clean=False, expiry=60)
    # A fresh session first (clean), then keep it.
    sub.connect(clean=True)
    sub.subscribe(t, qos=1)
    sub.disconnect()
    pub = Peer(args, "pub", f"{args.prefix}-pub")
    pub.connect()
    for i in range(3):
        pub.publish(t, f"away{i}", qos=1)
    pub.disconnect()
    sub.connect(clean=False)
    receive([sub], sub, 3)
    sub.disconnect()


def subid(args):
    """5.0 Subscription Identifiers: each matching subscription's identifier on the message."""
    t = args.prefix
    sub = Peer(args, "sub", f"{t}-sub")
    sub.connect()
    p7 = Properties(PacketTypes.SUBSCRIBE)
    p7.SubscriptionIdentifier = 7
    sub.subscribe(f"{t}/#", qos=1, props=p7)
    p9 = Properties(PacketTypes.SUBSCRIBE)
    p9.SubscriptionIdentifier = 9
    sub.subscribe(f"{t}/+/x", qos=1, props=p9)
    pub = Peer(args, "pub", f"{t}-pub")
    pub.connect()
    pub.publish(f"{t}/a/x", "both", others=[sub])
    pub.publish(f"{t}/b", "one", others=[sub])
    receive([sub, pub], sub, 2)
    pub.disconnect()
    sub.disconnect()


def alias(args):
    """5.0 Topic Aliases both ways: the publisher sets alias 1 then sends with an empty topic;
    the subscriber announces Topic Alias Maximum 4 and the broker may alias what it sends."""
    t = f"{args.prefix}/t"
    sub = Peer(args, "sub", f"{args.prefix}-sub", alias_max=4)
    sub.connect()
    sub.subscribe(f"{args.prefix}/#", qos=1)
    pub = Peer(args, "pub", f"{args.prefix}-pub")
    pub.connect()
    pub.publish(t, "first", props=props(TopicAlias=1), others=[sub])
    pub.publish("", "second", props=props(TopicAlias=1), others=[sub])
    pub.publish("", "third", props=props(TopicAlias=1), others=[sub])
    receive([sub, pub], sub, 3)
    pub.disconnect()
    sub.disconnect()


def expiry(args):
    """5.0 Message Expiry Interval for an offline session: the expired one is not delivered;
    the other arrives with the interval less the time it waited."""
    t = f"{args.prefix}/exp"
    sub = Peer(args, "sub", f"{args.prefix}-sub", clean=False, expiry=60)
    sub.connect(clean=True)
    sub.subscribe(t, qos=1)
    sub.disconnect()
    pub = Peer(args, "pub", f"{args.prefix}-pub")
    pub.connect()
    pub.publish(t, "short", props=props(MessageExpiryInterval=1))
    pub.publish(t, "long", props=props(MessageExpiryInterval=30))
    pub.publish(t, "forever")
    pub.disconnect()
    time.sleep(2.5)
    sub.connect(clean=False)
    receive([sub], sub, 2)
    sub.disconnect()


def nolocal(args):
    """5.0 No Local: a client's own messages are not sent back to it on that subscription."""
    t = f"{args.prefix}/t"
    a = Peer(args, "a", f"{args.prefix}-a")
    b = Peer(args, "b", f"{args.prefix}-b")
    a.connect()
    a.subscribe(t, qos=1, noLocal=True)
    b.connect()
    b.subscribe(t, qos=1)
    a.publish(t, "from-a", others=[b])
    b.publish(t, "from-b", others=[a])
    run([a, b], lambda: len(b.messages) >= 2, "b: 2 messages")
    settle([a, b])
    for line in a.take() + sorted(b.take()):
        out(line)
    a.disconnect()
    b.disconnect()


def retain_handling(args):
    """5.0 Retain Handling: 2 sends no retained message, 0 always, 1 only for a new
    subscription; then the retained message is cleared."""
    t = f"{args.prefix}/t"
    pub = Peer(args, "pub", f"{args.prefix}-pub")
    pub.connect()
    pub.publish(t, "kept", retain=True)
    sub = Peer(args, "sub", f"{args.prefix}-sub")
    sub.connect()
    sub.subscribe(t, qos=1, retainHandling=2)
    settle([sub])
    out(f"after rh2: {len(sub.take())} messages")
    sub.subscribe(f"{args.prefix}/#", qos=1, retainHandling=0)
    receive([sub], sub, 1)
    sub.subscribe(f"{args.prefix}/#", qos=1, retainHandling=1)
    settle([sub])
    out(f"after rh1 existing: {len(sub.take())} messages")
    sub.subscribe(f"{args.prefix}/+", qos=1, retainHandling=1, retainAsPublished=True)
    receive([sub], sub, 1)
    pub.publish(t, "", retain=True, others=[sub])
    receive([sub, pub], sub, 1)
    pub.disconnect()
    sub.disconnect()


def takeover(args):
    """A second client with the same client id: the first is disconnected (5.0: DISCONNECT
    0x8E Session taken over), the second is connected and works."""
    cid = f"{args.prefix}-dup"
    first = Peer(args, "first", cid)
    second = Peer(args, "second", cid)
    first.connect()
    first.subscribe(f"{args.prefix}/t", qos=1)
    second.connect()
    run([first, second], lambda: first.disconnected is not None, "first: disconnected")
    out(f"disconnect first rc={first.disconnected}")
    second.subscribe(f"{args.prefix}/t", qos=1)
    second.publish(f"{args.prefix}/t", "still-here")
    receive([first, second], second, 1)
    second.disconnect()


SCENARIOS = {
    "qos": qos,
    "will": will,
    "session": session,
    "subid": subid,
    "alias": alias,
    "expiry": expiry,
    "nolocal": nolocal,
    "retain_handling": retain_handling,
    "takeover": takeover,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--version", type=int, choices=(3, 5), default=5)
    parser.add_argument("--prefix", default="py")
    parser.add_argument("--clean", action="store_true", help="will: disconnect normally")
    args = parser.parse_args()
    signal.alarm(LIMIT)
    SCENARIOS[args.scenario](args)


if __name__ == "__main__":
    main()
