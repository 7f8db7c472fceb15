# The stranger's plumbing: the installer's serial line (§14), the owner's MQTT session (§11) and the
# simulator's control API over HTTP (docs/SIM.md), with waits on conditions and deadlines, never sleeps.
"""Serial, MQTT and HTTP sessions for the independent conformance client."""
import json
import os
import select
import ssl
import threading
import time
import urllib.error
import urllib.request

import paho.mqtt.client as paho

import cbor
import lockproto as lp


class Serial:
    """The installer's end of the line: frames out, replies matched by id."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        self.buf = b""
        self.next_id = 1
        os.write(self.fd, b"\x00")  # close whatever half frame the line held (§14)

    def _frames(self, deadline):
        while time.time() < deadline:
            r, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.time()))
            if not r:
                break
            self.buf += os.read(self.fd, 4096)
            while b"\x00" in self.buf:
                raw, self.buf = self.buf.split(b"\x00", 1)
                if raw:
                    yield raw

    def request(self, op, body=None, tries=1, wait=1.5):
        for _ in range(tries):
            rid = self.next_id
            self.next_id += 1
            os.write(self.fd, lp.frame(cbor.encode({"v": 1, "id": rid, "op": op, "body": body or {}})))
            for raw in self._frames(time.time() + wait):
                payload = lp.unframe(raw)
                if payload is None:
                    continue
                reply = cbor.decode(payload)
                if isinstance(reply, dict) and reply.get("id") == rid:
                    return reply
        raise TimeoutError(f"no reply to {op}")


class Owner:
    """The owner's app on MQTT: every message on locks/<id>/# kept, events verified as they come."""

    def __init__(self, host, port, ca, user, password, lock_id, client_id="owner-app", v5=False):
        self.lock_id, self.device = lock_id, None
        self.cond = threading.Condition()
        self.messages = []  # (topic, payload, retain)
        self.events = {}  # seq -> event
        self.duplicates = 0
        self.bad = []
        self.acked = []
        self.qos = set()  # (last topic level, QoS) seen
        proto = paho.MQTTv5 if v5 else paho.MQTTv311
        kw = {} if v5 else {"clean_session": False}
        self.client = paho.Client(client_id=client_id, protocol=proto, **kw)
        self.client.username_pw_set(user, password)
        self.client.tls_set(ca_certs=ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.client.on_message = self._on_message
        self.client.on_publish = lambda c, u, mid: self._note(self.acked.append, mid)
        self.host, self.port = host, port
        self.connected = threading.Event()
        self.client.on_connect = lambda *a: self.connected.set()

    def _note(self, fn, *a):
        with self.cond:
            fn(*a)
            self.cond.notify_all()

    def connect(self):
        self.connected.clear()
        self.client.connect(self.host, self.port, keepalive=30)
        self.client.loop_start()
        if not self.connected.wait(15):
            raise TimeoutError("owner did not connect")
        self.client.subscribe(f"locks/{self.lock_id}/#", qos=1)

    def disconnect(self):
        self.client.disconnect()
        self.client.loop_stop()

    def _on_message(self, client, userdata, msg):
        with self.cond:
            self.messages.append((msg.topic, bytes(msg.payload), bool(msg.retain)))
            self.qos.add((msg.topic.rsplit("/", 1)[-1], msg.qos))
            if msg.topic == f"locks/{self.lock_id}/events":
                try:
                    ev = lp.read_event(bytes(msg.payload), self.device, self.lock_id)
                    if ev["seq"] in self.events:
                        self.duplicates += 1
                    self.events[ev["seq"]] = ev
                except lp.Refused as e:
                    self.bad.append(e.reason)
            self.cond.notify_all()

    def publish(self, topic, payload, retain=False):
        info = self.client.publish(f"locks/{self.lock_id}/{topic}", payload, qos=1, retain=retain)
        info.wait_for_publish(15)

    def wait(self, test, what, timeout=20.0):
        deadline = time.time() + timeout
        with self.cond:
            while True:
                got = test()
                if got:
                    return got
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"timed out waiting for {what}")
                self.cond.wait(left)

    def wait_event(self, test, what, after=0, timeout=20.0):
        """The first event with seq > after that passes test(type, details)."""
        def find():
            for seq in sorted(self.events):
                ev = self.events[seq]
                if seq > after and test(ev["type"], ev["details"]):
                    return ev
            return None
        return self.wait(find, what, timeout)

    def last_seq(self):
        with self.cond:
            return max(self.events, default=0)

    def latest(self, topic):
        with self.cond:
            for t, payload, _ in reversed(self.messages):
                if t == f"locks/{self.lock_id}/{topic}":
                    return payload
        return None

    def state(self):
        raw = self.latest("state")
        return json.loads(raw) if raw else None


class Api:
    """The simulator's control API (docs/SIM.md): a person at the door, a phone at the reader."""

    def __init__(self, base, token):
        self.base, self.token = base, token

    def post(self, route, body=None):
        req = urllib.request.Request(f"{self.base}/api/{route}", data=json.dumps(body or {}).encode(), method="POST",
                                     headers={"authorization": f"Bearer {self.token}", "content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return res.status, json.loads(res.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def type(self, keys, hold_ms=250, gap_s=0.45):
        """Type keys as a person does, one press at a time (keypad/press answers before the key is released)."""
        for key in keys:
            status, body = self.post("keypad/press", {"key": key, "holdMs": hold_ms})
            if status != 200:
                raise RuntimeError(f"keypad/press: {status} {body}")
            time.sleep(gap_s)  # the person's own pace between keys, not a wait for the lock

    def present(self, make):
        """Tap, let make(challenge) build the presentation, present it: the lock's decision."""
        status, tap = self.post("phone/tap")
        if status != 200:
            raise RuntimeError(f"phone/tap: {status} {tap}")
        presentation = make(bytes.fromhex(tap["challenge"]))
        status, answer = self.post("phone/present", {"session": tap["session"], "presentation": presentation.hex()})
        if status != 200:
            raise RuntimeError(f"phone/present: {status} {answer}")
        return answer["access"]
