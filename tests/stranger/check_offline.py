# Offline checks of the stranger's implementation: it rebuilds docs/PROTOCOL.md §12's worked examples
# byte for byte from the document's rules, and gives the verdicts of tests/vectors/protocol/*.json
# that an owner's app computes itself (events, attestations, frames, derivations).
"""Usage: python3 check_offline.py REPO_DIR  -> one line per check, exit 1 on any failure."""
import json
import os
import re
import sys

import cbor
import lockproto as lp

failures = []


def check(name, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}")
    if not ok:
        failures.append(name)


def doc_examples(repo):
    """The hex blocks of §12, by heading."""
    text = open(os.path.join(repo, "docs/PROTOCOL.md"), encoding="utf-8").read()
    block = text[text.index("<!-- examples:begin -->"):text.index("<!-- examples:end -->")]
    out = {}
    for m in re.finditer(r"### ([^\n(]+?)\s*(?:\(|\n).*?\n(?:hex|digest|frame):\n\n```\n([0-9a-f\n]+)```", block, re.S):
        out[m.group(1).strip()] = bytes.fromhex(m.group(2).replace("\n", ""))
    return out


def worked_examples(repo):
    ex = doc_examples(repo)
    owner, dispatch = lp.Key.from_label("owner"), lp.Key.from_label("carrier-dispatch")
    courier, anna = lp.Key.from_label("courier-phone"), lp.Key.from_label("phone-anna")
    aud, t0 = "front-door", 1780308000  # 2026-06-01T10:00:00Z
    guest = lp.grant(owner, aud, b"\xa1" * 16, sub="Anna (dog walker)", holder=anna.public, role="guest",
                     nbf=t0, iat=t0, exp=t0 + 30 * 86400, schedule=[[31, 720, 780]])
    deleg = lp.grant(owner, aud, b"\xd1" * 16, iss="owner app", sub="ParcelCo dispatch", holder=dispatch.public,
                     nbf=t0, iat=t0, exp=t0 + 86400, record=True, relock_within=120, delegation=(["delivery"], 1, None))
    visit = lp.grant(dispatch, aud, b"\xc1" * 16, iss="ParcelCo", sub="courier 4711", holder=courier.public,
                     role="delivery", nbf=t0 + 3600, exp=t0 + 3 * 3600, iat=t0, schedule=[[1, 780, 900]],
                     max_uses=1, record=True, relock_within=90)
    mine = {
        "Guest grant": guest,
        "Delegation to a carrier": deleg,
        "Courier grant under the delegation": visit,
        "Revocation list": lp.revocations(owner, aud, 42, t0, grants=[b"\xa1" * 16], omit_empty=False),
        "Heartbeat": lp.heartbeat(owner, aud, t0, 42),
        "Remote command": lp.command(owner, aud, b"\x0e" * 16, t0, "unlock"),
        "Presentation": lp.presentation([deleg, visit], courier, aud, b"\x5c" * 32, b"\xc1" * 16),
        "Tracking-number digest": lp.tracking_digest(b"\x42" * 32, "1z 999 aa1 0123 4567 84"),
        "Serial request `info`": lp.frame(cbor.encode({"v": 1, "id": 7, "op": "info", "body": {}})),
    }
    for name, got in mine.items():
        want = ex.get(name)
        check(f"§12 {name}", want == got, f"doc {want.hex() if want else None}\n     mine {got.hex()}")


def verdict(fn):
    try:
        fn()
        return ("accept", "ok")
    except lp.Refused as e:
        return ("refuse", e.reason)


def vectors(repo):
    d = json.load(open(os.path.join(repo, "tests/vectors/protocol/device-signed.json")))
    device = bytes.fromhex(d["lock"]["devicePublicKey"])
    for c in d["cases"]:
        data = bytes.fromhex(c["hex"])
        fn = (lambda: lp.read_event(data, device)) if c["input"] == "event" else (lambda: lp.read_attestation(data, device))
        got = verdict(fn)
        want = (c["expect"]["verdict"], c["expect"]["reason"])
        check(f"vector {c['id']}", got == want, f"want {want}, got {got}")
    d = json.load(open(os.path.join(repo, "tests/vectors/protocol/serial.json")))
    for c in d["cases"]:
        raw = bytes.fromhex(c["hex"])
        if c["expect"]["reason"] in ("bad-crc", "bad-cobs", "empty"):
            try:
                got = "dropped" if raw[:-1] == b"" or lp.unframe(raw[:-1]) is None else "read"
            except ValueError:
                got = "dropped"
            check(f"vector {c['id']}", got == "dropped", got)
        else:
            payload = lp.unframe(raw[:-1])
            check(f"vector {c['id']} (frame)", payload is not None and lp.frame(payload) == raw, raw.hex())


OFFLINE_HOURS = {0: 1, 1: 4, 2: 24, 3: 168}


def offline_valid(secret, lock_id, code, now_s):
    """The lock's side of §9: the latest start hour at or before now with the code's three digits."""
    klass, digits, now_hour = int(code[0]), int(code[1:4]), now_s // 3600
    start = now_hour - ((now_hour - digits) % 1000)
    return now_hour < start + OFFLINE_HOURS[klass % 4] and lp.offline_code(secret, lock_id, start, klass) == code


def derivations(repo):
    from datetime import datetime
    d = json.load(open(os.path.join(repo, "tests/vectors/derivations.json")))
    secret, lock_id = bytes.fromhex(d["secret"]), d["lockId"]
    for c in d["cases"]:
        i, kind = c["input"], c["kind"]
        if kind == "pin-digest":
            got = {"digest": lp.pin_digest(secret, i["pin"]).hex()}
        elif kind == "offline-code":
            code = lp.offline_code(secret, lock_id, i["startHour"], i["class"])
            got = {"code": code, "useId": lp.offline_use_id(secret, code).hex()}
        elif kind == "offline-check":
            at = datetime.fromisoformat(i["at"].replace("Z", "+00:00")).timestamp()
            got = {"valid": offline_valid(secret, lock_id, i["code"], int(at))}
        elif kind == "grant-id":
            got = {"id": lp.delegated_grant_id(*(bytes.fromhex(i[k]) for k in ("root", "issuer", "cti"))).hex()}
        elif kind == "tracking-digest":
            got = {"normalized": lp.normalize_tracking(i["text"]), "digest": lp.tracking_digest(secret, i["text"]).hex()}
        else:
            got = {"useId": lp.tracking_use_id(bytes.fromhex(i["grantId"]), bytes.fromhex(i["digest"])).hex()}
        check(f"derivation {c['id']}", got == c["expect"], f"want {c['expect']}, got {got}")


def main():
    repo = sys.argv[1]
    worked_examples(repo)
    vectors(repo)
    derivations(repo)
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
