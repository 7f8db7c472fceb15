# Stranger flows, first part: the lock's device key (pairing over the serial line, or the state
# directory of a lock configured by hand), the retained status and state, the first list and heartbeat.
"""Setup flows: pairing (§14), retained topics (§11), revocation seq 1 and a heartbeat (§6)."""
import os

import lockproto as lp
from harness import expect, step
from session import Owner, Serial


def run(c):
    cfg, app, api, owner, secret, lock_id, ctx = c.cfg, c.app, c.api, c.owner, c.secret, c.lock_id, c.ctx
    now, hx, lock_bolt, unlocked = c.now, c.hx, c.lock_bolt, c.unlocked
    @step("configured by hand: the device key from device.key in the state directory (§11)", modes=("config",))
    def _():
        seed_line, public_line = open(os.path.join(cfg["stateDir"], "device.key")).read().split()
        app.device = bytes.fromhex(public_line)
        assert lp.Key(bytes.fromhex(seed_line)).public == app.device, "the second line is the seed's public key"
        app.connect()

    @step("pairing over the serial line: info, pair, attestation (§14)", modes=("pair",))
    def _():
        line = Serial(cfg["tty"])
        info = line.request("info", tries=3)
        assert info["ok"] is True and info["v"] == 1, info
        body = info["body"]
        assert body["paired"] is False and len(body["devicePublicKey"]) == 32, body
        # The owner's app subscribes (persistent session) before the lock first connects: it then sees
        # every event from sequence 1 on.
        app.device = body["devicePublicKey"]
        app.connect()
        sent = now()
        reply = line.request("pair", {
            "lockId": lock_id, "timeZone": "Europe/Berlin", "time": sent, "ownerKeys": [owner.public], "keypadSecret": secret,
            "mqtt": {"url": f"mqtts://127.0.0.1:{cfg['brokerPort']}", "username": lock_id, "password": cfg["lockPassword"],
                     "ca": open(cfg["caFile"]).read(), "protocolVersion": 5}}, wait=15)
        assert reply["ok"] is True, reply
        got = reply["body"]
        att = lp.read_attestation(got["attestation"], got["devicePublicKey"])
        assert got["devicePublicKey"] == body["devicePublicKey"], "the device key is the one info gave"
        assert att["lockId"] == lock_id and att["ownerKeys"] == [owner.public], att
        assert abs(att["time"] - sent) <= 120, att
        app.device = got["devicePublicKey"]
        ctx["line"] = line

    @step("after pairing: info says paired; the self-test runs in the window pairing opened; unknown op (§14)", modes=("pair",))
    def _():
        line = ctx["line"]
        info = line.request("info", tries=3)["body"]
        assert info["paired"] is True and info["lockId"] == lock_id and info["devicePublicKey"] == app.device, info
        reply = line.request("self-test", {}, wait=30)
        assert reply["ok"] is True, reply
        r = reply["body"]
        assert set(r) >= {"ok", "bolt", "door", "tamper", "battery", "pairButton", "camera", "keypad"}, r
        assert r["ok"] is True and [s["outcome"] for s in r["bolt"]["strokes"]] == ["done", "done"], r
        assert r["bolt"]["before"] == r["bolt"]["after"] and r["door"] == "closed", r
        assert r["keypad"] == {"fitted": True, "asked": False, "keyPressed": None}, r["keypad"]
        assert r["camera"]["fitted"] is True and isinstance(r["camera"]["confirmedMs"], int), r["camera"]
        bad = line.request("open", {})
        assert bad["ok"] is False and bad["error"]["code"] == "unknown-op", bad
        bad = line.request("self-test", {"keypadWaitMs": 60001})
        assert bad["ok"] is False and bad["error"]["code"] == "bad-request" and "keypadWaitMs" in bad["error"]["message"], bad

    @step("status online, retained state (§11)")
    def _():
        app.wait(lambda: app.latest("status") == b"online", "status online")
        state = app.wait(app.state, "a retained state")
        for k in ("lock", "bolt", "door", "mode", "battery", "alarms", "keypad_lockout", "last_access"):
            assert k in state, f"state has no {k}: {state}"
        # A client that comes later gets status and state as retained messages.
        late = Owner("127.0.0.1", cfg["brokerPort"], cfg["caFile"], "owner", cfg["ownerPassword"], lock_id, client_id="owner-late", v5=True)
        late.connect()
        late.wait(lambda: {t for t, _, r in late.messages if r} >= {f"locks/{lock_id}/status", f"locks/{lock_id}/state"}, "retained status and state")
        assert not any(t.endswith("/events") for t, _, _ in late.messages), "events are not retained"
        late.disconnect()

    @step("revocation list seq 1 and heartbeat, retained (§6)")
    def _():
        after = app.last_seq()
        app.publish("revocations", lp.revocations(owner, lock_id, 1, now()), retain=True)
        expect(app.wait_event(lambda t, d: t == "revocations", "revocations", after)["details"], {"ok": True, "seq": 1}, "revocations")
        t = now()
        app.publish("heartbeat", lp.heartbeat(owner, lock_id, t, 1), retain=True)
        expect(app.wait_event(lambda t, d: t == "heartbeat", "heartbeat", after)["details"],
               {"ok": True, "seq": 1, "time": t, "revocationSeq": 1}, "heartbeat")
        lock_bolt()
