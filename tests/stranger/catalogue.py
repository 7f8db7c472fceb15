# The event catalogue of docs/PROTOCOL.md §11 and §13 as the stranger read it, and the last step:
# every event received verified, in sequence, of a known type, with the details the CDDL gives.
"""The event catalogue and the final check over every event the owner's app received."""
import json

from harness import MODE, step

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



def run(c):
    app, lock_id = c.app, c.lock_id

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
