# An owner's app written from docs/PROTOCOL.md alone, run against a real lock: it pairs the lock over
# the serial line, then mints and pushes everything the document describes over MQTT and checks what
# the lock answers, as signed events verified against the device key the pairing attested.
"""Usage: python3 conformance.py CONFIG.json  -> one line per check; exit 1 if any failed."""
import json
import os
import sys
import time
import traceback

import cbor
import lockproto as lp
from session import Api, Owner, Serial

failures = []
EVENT_TYPES = {"access", "keypad-lockout", "mode", "delivery", "alarm", "bolt", "operation", "manual", "door", "battery",
               "revocations", "heartbeat", "grant-stored", "grant-dropped", "command", "ha-command", "ha-mode",
               "events-dropped", "state-damaged", "clock-set-back", "clock-jumped-forward", "clock-confirmed"}


# §11's event catalogue and §13's delivery steps: the detail keys each may carry (required ones first).
DETAILS = {
    "access": ({"via", "kind", "allow", "reason"}, {"grant", "role", "label"}),
    "keypad-lockout": ({"active", "forMs", "via"}, set()),
    "mode": ({"mode"}, set()),
    "alarm": ({"kind", "active"}, {"grant", "source", "code"}),
    "bolt": ({"from", "to", "cause"}, set()),
    "operation": ({"op", "cause", "outcome", "ms", "retried"}, set()),
    "manual": ({"position"}, set()),
    "door": ({"state"}, set()),
    "battery": ({"percent"}, set()),
    "revocations": ({"ok"}, {"seq", "reason", "repeated"}),
    "heartbeat": ({"ok"}, {"seq", "time", "revocationSeq", "reason", "repeated"}),
    "grant-stored": ({"ok"}, {"id", "reason", "repeated"}),
    "grant-dropped": ({"id", "reason"}, set()),
    "command": ({"ok"}, {"action", "reason", "repeated"}),
    "ha-command": ({"ok"}, {"action", "reason"}),
    "events-dropped": ({"count"}, set()),
}
DELIVERY = {
    "started": {"role", "issuer", "via", "record", "relockWithinS", "label"},
    "recording": {"at"},
    "refused": {"reason"},
    "unlocked": {"at"},
    "relocked": {"at", "late"},
    "aborted": {"reason"},
    "completed": {"role", "issuer", "via", "label", "late", "cameraLost", "recordingStartedAt", "unlockedAt", "doorOpenedAt",
                  "doorClosedAt", "relockedAt", "recordingStoppedAt"},
}


def detail_problems(ev):
    """What an event's details have beyond, or lack against, the document's CDDL."""
    t, d = ev["type"], ev["details"]
    if t == "delivery":
        base = {"step", "visit", "grant"}
        allowed = base | DELIVERY.get(d.get("step"), set())
        required = base
    elif t in DETAILS:
        required, optional = DETAILS[t]
        allowed = required | optional
    else:
        return []
    extra, missing = set(d) - allowed, required - set(d)
    return [f"#{ev['seq']} {t}{' ' + d.get('step', '') if t == 'delivery' else ''}: " +
            (f"undocumented {sorted(extra)} " if extra else "") + (f"missing {sorted(missing)}" if missing else "")] if extra or missing else []


MODE = {"mode": "pair"}


def step(name, modes=("pair", "config")):
    def run(fn):
        if MODE["mode"] not in modes:
            return fn
        t = time.time()
        try:
            fn()
            print(f"ok   {name} ({time.time() - t:.1f} s)", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported, then the next step runs
            failures.append(name)
            print(f"FAIL {name}: {e}", flush=True)
            traceback.print_exc(file=sys.stdout)
        return fn
    return run


def expect(got, want, what):
    for k, v in want.items():
        if got.get(k) != v:
            raise AssertionError(f"{what}: {k} is {got.get(k)!r}, want {v!r} (whole: {got})")


def main():
    cfg = json.load(open(sys.argv[1]))
    lock_id = cfg["lockId"]
    # "pair": the stranger pairs the lock over the serial line with keys of its own making. "config": the
    # lock was configured by hand with the owner key and keypad secret given here (README, config `access`).
    MODE["mode"] = cfg.get("mode", "pair")
    owner = lp.Key(bytes.fromhex(cfg["ownerSeed"])) if "ownerSeed" in cfg else lp.Key(os.urandom(32))
    secret = bytes.fromhex(cfg["keypadSecret"]) if "keypadSecret" in cfg else os.urandom(32)
    now = lambda: int(time.time())  # noqa: E731
    hx = lambda b: b.hex()  # noqa: E731
    app = Owner("127.0.0.1", cfg["brokerPort"], cfg["caFile"], "owner", cfg["ownerPassword"], lock_id)
    api = Api(cfg["apiBase"], cfg["apiToken"])
    ctx = {}

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

    def lock_bolt():
        after = app.last_seq()
        app.publish("commands", lp.command(owner, lock_id, os.urandom(16), now(), "lock"))
        expect(app.wait_event(lambda t, d: t == "command", "command event", after)["details"], {"ok": True, "action": "lock"}, "lock")
        app.wait(lambda: (app.state() or {}).get("lock") == "LOCKED", "state LOCKED")

    def unlocked():
        app.wait(lambda: (app.state() or {}).get("lock") == "UNLOCKED", "state UNLOCKED")

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

    pin_cti = os.urandom(16)
    pin_iat = now()
    pin_grant = lp.grant(owner, lock_id, pin_cti, role="resident", iat=pin_iat, exp=now() + 86400, label="Anna",
                         credential=("pin", [lp.pin_digest(secret, "4711")]))

    @step("PIN grant pushed on grants, then typed at the keypad (§9, §8.4)")
    def _():
        after = app.last_seq()
        app.publish("grants", pin_grant)
        expect(app.wait_event(lambda t, d: t == "grant-stored", "grant-stored", after)["details"], {"ok": True, "id": hx(pin_cti)}, "grant-stored")
        api.type("4711#")
        ev = app.wait_event(lambda t, d: t == "access" and d["via"] == "keypad", "access", after)
        expect(ev["details"], {"via": "keypad", "kind": "pin", "allow": True, "reason": "ok", "grant": hx(pin_cti), "role": "resident", "label": "Anna"}, "access")
        unlocked()
        st = app.state()
        assert st["last_access"] and st["last_access"]["label"] == "Anna" and st["last_access"]["method"] == "keypad", st
        lock_bolt()

    @step("grant replacement: same bytes no-op, same iat superseded, newer iat ok, PIN taken (§3)", modes=("pair",))
    def _():
        def stored(msg):
            after = app.last_seq()
            app.publish("grants", msg)
            return app.wait_event(lambda t, d: t == "grant-stored", "grant-stored", after)["details"]
        expect(stored(pin_grant), {"ok": True, "id": hx(pin_cti)}, "same bytes")
        other = lp.grant(owner, lock_id, pin_cti, role="guest", iat=pin_iat, exp=now() + 86400, credential=("pin", [lp.pin_digest(secret, "4711")]))
        expect(stored(other), {"ok": False, "reason": "grant-superseded"}, "same iat")
        newer = lp.grant(owner, lock_id, pin_cti, role="resident", iat=pin_iat + 1, exp=now() + 86400, label="Anna",
                         credential=("pin", [lp.pin_digest(secret, "4711")]))
        expect(stored(newer), {"ok": True, "id": hx(pin_cti)}, "newer iat")
        taken = lp.grant(owner, lock_id, os.urandom(16), role="guest", iat=now(), exp=now() + 86400, credential=("pin", [lp.pin_digest(secret, "4711")]))
        expect(stored(taken), {"ok": False, "reason": "credential-taken"}, "PIN taken")

    @step("grants pushed before they start are kept; expired, junk and foreign ones refused (§8.4)", modes=("pair",))
    def _():
        def stored(msg):
            after = app.last_seq()
            app.publish("grants", msg)
            return app.wait_event(lambda t, d: t == "grant-stored", f"grant-stored for {msg[:24].hex()}", after, timeout=8)["details"]
        cti = os.urandom(16)
        tomorrow = lp.grant(owner, lock_id, cti, role="guest", iat=now(), nbf=now() + 86400, exp=now() + 2 * 86400,
                            credential=("pin", [lp.pin_digest(secret, "918273")]))
        expect(stored(tomorrow), {"ok": True, "id": hx(cti)}, "tomorrow's PIN")
        expect(stored(lp.grant(owner, lock_id, os.urandom(16), role="guest", iat=now() - 7200, exp=now() - 3600,
                               credential=("pin", [lp.pin_digest(secret, "918274")]))), {"ok": False, "reason": "expired"}, "expired")
        expect(stored(lp.grant(owner, "back-door", os.urandom(16), role="guest", credential=("pin", [lp.pin_digest(secret, "918275")]))),
               {"ok": False, "reason": "wrong-lock"}, "another lock")
        expect(stored(b"\x00junk"), {"ok": False, "reason": "malformed"}, "junk")
        # The same refusal again within a minute is only counted (§11, "Refusals are coalesced"): the
        # empty chain (malformed too) makes no event, so the next event is the next grant's.
        mark = app.last_seq()
        app.publish("grants", cbor.encode([]))
        stranger = lp.Key(os.urandom(32))
        expect(stored(lp.grant(stranger, lock_id, os.urandom(16), role="guest", credential=("pin", [lp.pin_digest(secret, "918276")]))),
               {"ok": False, "reason": "unknown-issuer"}, "not an owner")
        assert [e["details"].get("reason") for s, e in sorted(app.events.items()) if s > mark and e["type"] == "grant-stored"] == ["unknown-issuer"]

    @step("Home Assistant: LOCK, UNLOCK with a resident PIN, without one, with a wrong one (§11, §8.6)", modes=("pair",))
    def _():
        def ha(body):
            after = app.last_seq()
            app.publish("ha/command", json.dumps(body).encode())
            return app.wait_event(lambda t, d: t == "ha-command", "ha-command", after)["details"]
        expect(ha({"action": "UNLOCK", "code": "4711"}), {"ok": True, "action": "unlock"}, "UNLOCK with a PIN")
        unlocked()
        expect(ha({"action": "LOCK", "code": None}), {"ok": True, "action": "lock"}, "LOCK")
        app.wait(lambda: (app.state() or {}).get("lock") == "LOCKED", "state LOCKED")
        expect(ha({"action": "UNLOCK", "code": None}), {"ok": False, "reason": "code-required"}, "no code")
        expect(ha({"action": "UNLOCK", "code": "9999"}), {"ok": False, "reason": "code-refused"}, "wrong code")
        expect(ha({"action": "OPEN", "code": None}), {"ok": False, "reason": "unknown-action"}, "OPEN")

    @step("offline code, class 0, this hour (§9)")
    def _():
        after = app.last_seq()
        code = lp.offline_code(secret, lock_id, now() // 3600, 0)
        api.type(code + "#")
        ev = app.wait_event(lambda t, d: t == "access" and d["via"] == "keypad", "access", after)
        expect(ev["details"], {"via": "keypad", "kind": "offline-code", "allow": True, "reason": "ok",
                               "grant": hx(lp.offline_use_id(secret, code)), "role": "guest"}, "offline code")
        unlocked()
        lock_bolt()

    phone = lp.Key(os.urandom(32))

    @step("owner's phone at the reader: challenge, presentation, proof (§4)")
    def _():
        cti = os.urandom(16)
        g = lp.grant(owner, lock_id, cti, role="owner", holder=phone.public, iat=now())
        access = api.present(lambda ch: lp.presentation([g], phone, lock_id, ch, cti))
        expect(access, {"allow": True, "reason": "ok", "grant": hx(cti), "role": "owner"}, "owner phone")
        unlocked()
        lock_bolt()
        access = api.present(lambda ch: lp.presentation([g], phone, lock_id, os.urandom(32), cti))
        expect(access, {"allow": False, "reason": "challenge-unknown"}, "unissued challenge")
        proof = lambda ch: lp.sign1(phone, "lock-proof", {1: lock_id, 2: ch, 3: cti})  # noqa: E731
        expect(api.present(lambda ch: cbor.encode([2, [g], proof(ch)])), {"allow": False, "reason": "malformed"}, "version 2")
        expect(api.present(lambda ch: cbor.encode([1, [], proof(ch)])), {"allow": False, "reason": "malformed"}, "no links")
        expect(api.present(lambda ch: cbor.encode([1, [g] * 4, proof(ch)])), {"allow": False, "reason": "chain-too-long"}, "four links")
        thief = lp.Key(os.urandom(32))
        access = api.present(lambda ch: lp.presentation([g], thief, lock_id, ch, cti))
        expect(access, {"allow": False, "reason": "bad-proof"}, "copied grant")
        ctx["replay"] = None

        def keep(ch):
            ctx["replay"] = lp.presentation([g], phone, lock_id, ch, cti)
            return ctx["replay"]
        expect(api.present(keep), {"allow": True}, "again")
        unlocked()
        lock_bolt()
        expect(api.present(lambda ch: ctx["replay"]), {"allow": False, "reason": "challenge-replayed"}, "replayed proof")

    manager, guest_phone = lp.Key(os.urandom(32)), lp.Key(os.urandom(32))
    guest_cti = os.urandom(16)
    deleg = lp.grant(owner, lock_id, os.urandom(16), holder=manager.public, iat=now(), exp=now() + 86400,
                     delegation=(["resident", "guest"], None, 0))
    guest = lp.grant(manager, lock_id, guest_cti, role="guest", holder=guest_phone.public, iat=now(), exp=now() + 3600,
                     schedule=[[127, 0, 1440]], label="dog walker")
    guest_id = lp.delegated_grant_id(owner.public, manager.public, guest_cti)

    @step("delegation chain: pushed on grants, presented at the reader; its grant id (§3)", modes=("pair",))
    def _():
        after = app.last_seq()
        app.publish("grants", cbor.encode([deleg, guest]))
        expect(app.wait_event(lambda t, d: t == "grant-stored", "grant-stored", after)["details"], {"ok": True, "id": hx(guest_id)}, "chain stored")
        access = api.present(lambda ch: lp.presentation([deleg, guest], guest_phone, lock_id, ch, guest_cti))
        expect(access, {"allow": True, "reason": "ok", "grant": hx(guest_id), "role": "guest"}, "delegated guest")
        unlocked()
        lock_bolt()
        wide = lp.grant(manager, lock_id, os.urandom(16), role="guest", holder=guest_phone.public, iat=now(), exp=now() + 2 * 86400)
        expect(api.present(lambda ch: lp.presentation([deleg, wide], guest_phone, lock_id, ch, cbor.decode(cbor.decode(wide).value[2])[7])),
               {"allow": False, "reason": "delegation-widens"}, "wider than its delegation")

    @step("revocation seq 2 revokes the delegated grant by its id; rollback refused (§6)", modes=("pair",))
    def _():
        after = app.last_seq()
        app.publish("revocations", lp.revocations(owner, lock_id, 2, now(), grants=[guest_id]), retain=True)
        expect(app.wait_event(lambda t, d: t == "revocations", "revocations", after)["details"], {"ok": True, "seq": 2}, "seq 2")
        app.publish("heartbeat", lp.heartbeat(owner, lock_id, now(), 2), retain=True)
        app.wait_event(lambda t, d: t == "heartbeat" and d.get("ok") and d.get("seq") == 2, "heartbeat seq 2", after)
        access = api.present(lambda ch: lp.presentation([deleg, guest], guest_phone, lock_id, ch, guest_cti))
        expect(access, {"allow": False, "reason": "revoked-grant", "grant": hx(guest_id)}, "revoked")
        after = app.last_seq()
        app.publish("revocations", lp.revocations(owner, lock_id, 1, now()))
        expect(app.wait_event(lambda t, d: t == "revocations", "rollback", after)["details"], {"ok": False, "reason": "rollback"}, "rollback")

    @step("withheld list: a heartbeat naming seq 3 makes guests stale until seq 3 arrives (§6)", modes=("pair",))
    def _():
        after = app.last_seq()
        g_phone, cti = lp.Key(os.urandom(32)), os.urandom(16)
        g = lp.grant(owner, lock_id, cti, role="guest", holder=g_phone.public, iat=now(), exp=now() + 3600)
        app.publish("heartbeat", lp.heartbeat(owner, lock_id, now() + 1, 3), retain=True)
        expect(app.wait_event(lambda t, d: t == "heartbeat", "heartbeat", after)["details"], {"ok": True, "seq": 3, "revocationSeq": 2}, "withheld")
        expect(api.present(lambda ch: lp.presentation([g], g_phone, lock_id, ch, cti)), {"allow": False, "reason": "revocations-stale"}, "stale")
        app.publish("revocations", lp.revocations(owner, lock_id, 3, now(), grants=[guest_id]), retain=True)
        app.wait_event(lambda t, d: t == "revocations" and d.get("seq") == 3, "seq 3", after)
        expect(api.present(lambda ch: lp.presentation([g], g_phone, lock_id, ch, cti)), {"allow": True, "reason": "ok"}, "fresh again")
        unlocked()
        lock_bolt()

    @step("single-use offline code: a second use is uses-exhausted with its id (§9)", modes=("pair",))
    def _():
        after = app.last_seq()
        code = lp.offline_code(secret, lock_id, now() // 3600, 4)
        api.type(code + "#")
        expect(app.wait_event(lambda t, d: t == "access" and d["via"] == "keypad", "first use", after)["details"], {"allow": True, "kind": "offline-code"}, "first")
        unlocked()
        lock_bolt()
        mark = app.last_seq()
        api.type(code + "#")
        expect(app.wait_event(lambda t, d: t == "access" and d["via"] == "keypad", "second use", mark)["details"],
               {"allow": False, "reason": "uses-exhausted", "grant": hx(lp.offline_use_id(secret, code))}, "second")

    @step("weekly windows in the lock's zone, bit 0 = Monday; nbf; maxUses (§3, §5)", modes=("pair",))
    def _():
        from datetime import datetime
        from zoneinfo import ZoneInfo
        local = datetime.fromtimestamp(now(), ZoneInfo("Europe/Berlin"))
        minute, today = local.hour * 60 + local.minute, 1 << local.weekday()
        if minute < 5 or minute > 1430:
            print("     (skipped near midnight)")
            return
        window = [minute - 5, minute + 5]
        holder = lp.Key(os.urandom(32))

        def try_grant(**claims):
            cti = os.urandom(16)
            g = lp.grant(owner, lock_id, cti, role="resident", holder=holder.public, iat=now(), **claims)
            return api.present(lambda ch: lp.presentation([g], holder, lock_id, ch, cti))
        tomorrow = (today << 1) % 127 or 1
        expect(try_grant(schedule=[[tomorrow, *window]]), {"allow": False, "reason": "outside-schedule"}, "another day")
        expect(try_grant(schedule=[[127, minute + 2, minute + 10]]), {"allow": False, "reason": "outside-schedule"}, "later today")
        expect(try_grant(nbf=now() + 3600), {"allow": False, "reason": "not-yet-valid"}, "nbf")
        expect(try_grant(exp=now() - 120), {"allow": False, "reason": "expired"}, "exp")
        cti = os.urandom(16)
        once = lp.grant(owner, lock_id, cti, role="resident", holder=holder.public, iat=now(), max_uses=1, schedule=[[today, *window]])
        expect(api.present(lambda ch: lp.presentation([once], holder, lock_id, ch, cti)), {"allow": True}, "today, inside the window")
        unlocked()
        lock_bolt()
        expect(api.present(lambda ch: lp.presentation([once], holder, lock_id, ch, cti)), {"allow": False, "reason": "uses-exhausted"}, "used up")

    @step("three links: a delegation that delegates once more; its id; revoked holder and issuer (§3, §6)", modes=("pair",))
    def _():
        agency, sub, holder = lp.Key(os.urandom(32)), lp.Key(os.urandom(32)), lp.Key(os.urandom(32))
        d1 = lp.grant(owner, lock_id, os.urandom(16), holder=agency.public, iat=now(), exp=now() + 86400, delegation=(["service"], None, 1))
        d2 = lp.grant(agency, lock_id, os.urandom(16), holder=sub.public, iat=now(), exp=now() + 3600, delegation=(["service"], None, 0))
        cti = os.urandom(16)
        leaf = lp.grant(sub, lock_id, cti, role="service", holder=holder.public, iat=now(), exp=now() + 3600, label="plumber")
        gid = lp.delegated_grant_id(owner.public, sub.public, cti)
        expect(api.present(lambda ch: lp.presentation([d1, d2, leaf], holder, lock_id, ch, cti)),
               {"allow": True, "reason": "ok", "grant": hx(gid), "role": "service"}, "three links")
        unlocked()
        lock_bolt()
        d2_deep = lp.grant(agency, lock_id, os.urandom(16), holder=sub.public, iat=now(), exp=now() + 3600, delegation=(["service"], None, 1))
        expect(api.present(lambda ch: lp.presentation([d1, d2_deep, leaf], holder, lock_id, ch, cti)),
               {"allow": False, "reason": "delegation-widens"}, "depth not narrowed")
        after = app.last_seq()
        app.publish("revocations", lp.revocations(owner, lock_id, 4, now(), grants=[guest_id], holders=[holder.public]), retain=True)
        app.wait_event(lambda t, d: t == "revocations" and d.get("seq") == 4, "seq 4", after)
        expect(api.present(lambda ch: lp.presentation([d1, d2, leaf], holder, lock_id, ch, cti)), {"allow": False, "reason": "revoked-holder"}, "holder")
        app.publish("revocations", lp.revocations(owner, lock_id, 5, now(), grants=[guest_id], issuers=[agency.public]), retain=True)
        app.wait_event(lambda t, d: t == "revocations" and d.get("seq") == 5, "seq 5", after)
        expect(api.present(lambda ch: lp.presentation([d1, d2, leaf], holder, lock_id, ch, cti)), {"allow": False, "reason": "revoked-issuer"}, "issuer")
        app.publish("heartbeat", lp.heartbeat(owner, lock_id, now() + 2, 5), retain=True)
        app.wait_event(lambda t, d: t == "heartbeat" and d.get("seq") == 5, "heartbeat seq 5", after)
        mark = app.last_seq()
        app.publish("heartbeat", lp.heartbeat(owner, lock_id, now() - 30, 5))
        expect(app.wait_event(lambda t, d: t == "heartbeat", "old heartbeat", mark)["details"], {"ok": False, "reason": "rollback"}, "older heartbeat")

    @step("a delivery visit: camera first, relock after the door shuts, events in the documented order (§13)", modes=("pair",))
    def _():
        carrier, courier = lp.Key(os.urandom(32)), lp.Key(os.urandom(32))
        d = lp.grant(owner, lock_id, os.urandom(16), holder=carrier.public, iat=now(), exp=now() + 86400, record=True, relock_within=120,
                     delegation=(["delivery"], 1, 0))
        cti = os.urandom(16)
        visit = lp.grant(carrier, lock_id, cti, role="delivery", holder=courier.public, iat=now(), exp=now() + 3600,
                         max_uses=1, record=True, relock_within=90, label="courier")
        gid = hx(lp.delegated_grant_id(owner.public, carrier.public, cti))
        after = app.last_seq()
        expect(api.present(lambda ch: lp.presentation([d, visit], courier, lock_id, ch, cti)),
               {"allow": True, "reason": "ok", "grant": gid, "role": "delivery"}, "courier")
        unlocked()
        assert api.post("door/open")[0] == 200
        app.wait_event(lambda t, x: t == "door" and x.get("state") == "open", "door open", after)
        assert api.post("door/close")[0] == 200
        done = app.wait_event(lambda t, x: t == "delivery" and x.get("step") == "completed", "delivery completed", after, timeout=40)
        expect(done["details"], {"grant": gid, "late": False, "cameraLost": False, "role": "delivery"}, "completed")
        seen = []
        for seq in range(after + 1, done["seq"] + 1):
            e = app.events[seq]
            dt = e["details"]
            if e["type"] == "delivery":
                seen.append(f"delivery {dt['step']}")
            elif e["type"] == "bolt":
                seen.append(f"bolt {dt['to']}")
            elif e["type"] == "door":
                seen.append(f"door {dt['state']}")
            elif e["type"] == "access":
                seen.append("access")
        want = ["delivery started", "delivery recording", "bolt unlocking", "access", "bolt unlocked", "delivery unlocked",
                "door open", "door closed", "bolt locking", "bolt locked", "delivery relocked", "delivery completed"]
        assert seen == want, f"order {seen}"
        expect(api.present(lambda ch: lp.presentation([d, visit], courier, lock_id, ch, cti)), {"allow": False, "reason": "uses-exhausted"}, "again")

    @step("remote commands: unlock, replay, expiry, bounds, signer, audience (§7, §8.5)")
    def _():
        def send(msg):
            after = app.last_seq()
            app.publish("commands", msg)
            return app.wait_event(lambda t, d: t == "command", "command event", after)["details"]
        unlock = lp.command(owner, lock_id, os.urandom(16), now(), "unlock")
        after = app.last_seq()
        expect(send(unlock), {"ok": True, "action": "unlock"}, "unlock")
        expect(app.wait_event(lambda t, d: t == "access" and d.get("via") == "remote", "access", after)["details"],
               {"via": "remote", "kind": "command", "allow": True, "reason": "ok", "role": "owner"}, "remote access")
        unlocked()
        expect(send(unlock), {"ok": False, "reason": "replayed"}, "replayed")
        expect(send(lp.command(owner, lock_id, os.urandom(16), now() - 200, "lock", exp=now() - 100)), {"ok": False, "reason": "expired"}, "expired")
        expect(send(lp.command(owner, lock_id, os.urandom(16), now() + 120, "lock", exp=now() + 180)), {"ok": False, "reason": "not-yet-valid"}, "early")
        expect(send(lp.command(owner, lock_id, os.urandom(16), now(), "lock", exp=now() + 301)), {"ok": False, "reason": "malformed"}, "too long")
        # Junk right after a malformed command is the same refusal within a minute: only counted (§11,
        # "Refusals are coalesced"), so the next command event is the next command's.
        app.publish("commands", b"\x00junk")
        expect(send(lp.command(owner, "back-door", os.urandom(16), now(), "lock")), {"ok": False, "reason": "wrong-lock"}, "other lock")
        expect(send(lp.command(lp.Key(os.urandom(32)), lock_id, os.urandom(16), now(), "lock")), {"ok": False, "reason": "not-owner"}, "stranger")
        expect(send(lp.command(owner, lock_id, os.urandom(16), now(), "set-mode", mode="party")), {"ok": False, "reason": "unknown-mode"}, "mode")
        expect(send(lp.heartbeat(owner, lock_id, now(), 3)), {"ok": False, "reason": "wrong-type"}, "a heartbeat as a command")
        lock_bolt()

    @step("modes: vacation refuses a resident PIN, normal again (§7)", modes=("pair",))
    def _():
        after = app.last_seq()
        app.publish("commands", lp.command(owner, lock_id, os.urandom(16), now(), "set-mode", mode="vacation"))
        expect(app.wait_event(lambda t, d: t == "mode", "mode event", after)["details"], {"mode": "vacation"}, "mode")
        app.wait(lambda: (app.state() or {}).get("mode") == "vacation", "state mode vacation")
        api.type("4711#")
        expect(app.wait_event(lambda t, d: t == "access" and d["via"] == "keypad", "access", after)["details"], {"allow": False, "reason": "refused-by-mode"}, "vacation")
        app.publish("commands", lp.command(owner, lock_id, os.urandom(16), now(), "set-mode", mode="normal"))
        app.wait(lambda: (app.state() or {}).get("mode") == "normal", "state mode normal")

    @step("keypad lockout after 5 wrong codes; reset-lockout (§9)", modes=("pair",))
    def _():
        mark = app.last_seq()
        app.publish("commands", lp.command(owner, lock_id, os.urandom(16), now(), "reset-lockout"))  # a clean budget
        app.wait_event(lambda t, d: t == "command" and d.get("action") == "reset-lockout", "reset", mark)
        after = app.last_seq()
        for i in range(5):
            mark = app.last_seq()
            api.type("0000#")
            app.wait_event(lambda t, d: t == "access" and d["via"] == "keypad", f"wrong code {i + 1}", mark)
        ev = app.wait_event(lambda t, d: t == "keypad-lockout", "keypad-lockout", after)
        expect(ev["details"], {"active": True, "forMs": 60000, "via": "keypad"}, "lockout")
        app.wait(lambda: (app.state() or {}).get("keypad_lockout") is True, "state keypad_lockout")
        refused = [e["details"] for s, e in sorted(app.events.items()) if s > after and e["type"] == "access"]
        assert [d["reason"] for d in refused] == ["unknown-code"] * 5, refused
        mark = app.last_seq()
        app.publish("commands", lp.command(owner, lock_id, os.urandom(16), now(), "reset-lockout"))
        ctx["reset"] = app.wait_event(lambda t, d: t == "command", "command event", mark)["details"]
        expect(ctx["reset"], {"ok": True, "action": "reset-lockout"}, "reset-lockout")
        # The reset ends the lockout under way: its end is a signed event too, and the state says so.
        expect(app.wait_event(lambda t, d: t == "keypad-lockout", "the lockout's end", mark)["details"],
               {"active": False, "forMs": 0, "via": "keypad"}, "lockout over")
        app.wait(lambda: (app.state() or {}).get("keypad_lockout") is False, "state keypad_lockout false")
        api.type("4711#")
        expect(app.wait_event(lambda t, d: t == "access" and d["via"] == "keypad", "access", mark)["details"], {"allow": True}, "PIN after reset")
        unlocked()
        lock_bolt()

    @step("junk on the revocation and heartbeat topics: malformed, and the lock goes on (§8.3)", modes=("pair",))
    def _():
        for topic in ("revocations", "heartbeat"):
            after = app.last_seq()
            app.publish(topic, b"\x00junk")
            expect(app.wait_event(lambda t, d: t == topic, topic, after)["details"], {"ok": False, "reason": "malformed"}, f"junk on {topic}")

    @step("persistent session: events while the owner's app is away arrive on reconnect, none missing (§11)", modes=("pair",))
    def _():
        lock_bolt()
        app.disconnect()
        before = app.last_seq()
        # Act through the world while the app is away: the door opens and shuts.
        app2 = Owner("127.0.0.1", cfg["brokerPort"], cfg["caFile"], "owner", cfg["ownerPassword"], lock_id, client_id="owner-probe")
        app2.device = app.device
        app2.connect()
        app2.publish("commands", lp.command(owner, lock_id, os.urandom(16), now(), "unlock"))
        app2.wait_event(lambda t, d: t == "operation" and d.get("op") == "unlock", "unlock done", before)
        app2.disconnect()
        app.connect()
        app.wait_event(lambda t, d: t == "operation" and d.get("op") == "unlock", "the missed unlock", before)
        lock_bolt()

    @step("every event verified, lock id, sequence 1.. without gaps, known types, activity copies (§11)")
    def _():
        assert not app.bad, f"events that did not verify: {app.bad}"
        seqs = sorted(app.events)
        # Subscribed before the lock first connected (pairing), the app sees sequence 1 on; a lock
        # configured by hand connects at boot, before the app, so the app starts where it joined (§11).
        first = 1 if MODE["mode"] == "pair" else seqs[0]
        assert seqs[0] == first and seqs == list(range(first, seqs[-1] + 1)), f"gaps in {seqs}"
        unknown = {e["type"] for e in app.events.values()} - EVENT_TYPES
        assert not unknown, f"types outside the catalogue: {unknown}"
        problems = sorted({p.split(": ", 1)[0].split(" ", 1)[1] + ": " + p.split(": ", 1)[1] for e in app.events.values() for p in detail_problems(e)})
        assert not problems, f"details unlike the CDDL: {problems}"
        acts = [json.loads(p) for t, p, _ in app.messages if t == f"locks/{lock_id}/activity"]
        by_seq = {a["seq"]: a for a in acts}
        hows = {"keypad", "phone", "parcel", "remote", "thumb-turn", "auto", "boot", "shutdown", "sensor", "access"}
        for seq, ev in app.events.items():
            a = by_seq.get(seq)
            if a is not None:
                assert a["type"] == ev["type"] and set(a) >= {"seq", "type", "time", "details"}, (a, ev)
                assert a.get("how") is None or a["how"] in hows, f"activity how {a['how']!r}: {a}"
                assert a.get("outcome") is None or a["outcome"] in {"allowed", "refused", "done", "failed"}, f"activity outcome: {a}"
                if ev["type"] == "access" and ev["details"].get("grant"):
                    assert a["who"]["grant"] == ev["details"]["grant"], (a, ev)
        for name in ("events", "state", "status", "activity"):
            assert {q for t, q in app.qos if t == name} == {1}, f"{name} not at QoS 1: {app.qos}"
        print(f"     {len(seqs)} events, {app.duplicates} duplicates, {len(acts)} activity messages", flush=True)

    app.disconnect()
    print(f"{len(failures)} failed: {failures}" if failures else "all passed", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
