# Stranger flows, fourth part: signed remote commands and their refusals, modes, the keypad lockout
# and its reset, junk on the owner's topics, and a persistent session that misses nothing.
"""Remote flows: §7 commands and modes, §9 lockout, §8.3 junk, §11 persistent sessions."""
import os

import lockproto as lp
from harness import expect, step
from session import Owner


def run(c):
    cfg, app, api, owner, secret, lock_id, ctx = c.cfg, c.app, c.api, c.owner, c.secret, c.lock_id, c.ctx
    now, hx, lock_bolt, unlocked = c.now, c.hx, c.lock_bolt, c.unlocked
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
