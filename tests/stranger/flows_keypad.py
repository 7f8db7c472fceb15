# Stranger flows, second part: PIN grants pushed on the grants topic and typed at the keypad, grant
# replacement, grants pushed early or refused, Home Assistant's commands, offline codes.
"""Keypad flows: §3 grant identity, §8.4 pushed grants, §9 PINs and offline codes, §11 Home Assistant."""
import json
import os

import cbor
import lockproto as lp
from harness import expect, step


def run(c):
    cfg, app, api, owner, secret, lock_id, ctx = c.cfg, c.app, c.api, c.owner, c.secret, c.lock_id, c.ctx
    now, hx, lock_bolt, unlocked = c.now, c.hx, c.lock_bolt, c.unlocked
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
