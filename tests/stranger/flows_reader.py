# Stranger flows, third part: phones at the reader (challenge, presentation, proof), delegation chains
# and their grant ids, revocation by grant id, holder and issuer, withheld lists, windows, a delivery.
"""Reader flows: §3 chains, §4 presentations, §5 windows, §6 revocations, §9 single-use codes, §13 deliveries."""
import os

import cbor
import lockproto as lp
from harness import expect, step


def run(c):
    cfg, app, api, owner, secret, lock_id, ctx = c.cfg, c.app, c.api, c.owner, c.secret, c.lock_id, c.ctx
    now, hx, lock_bolt, unlocked = c.now, c.hx, c.lock_bolt, c.unlocked
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
