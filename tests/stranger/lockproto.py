# The lock's messages, built and read from docs/PROTOCOL.md alone: COSE_Sign1 with Ed25519 (§1, §10),
# grants and delegations (§3), presentations (§4), revocation lists and heartbeats (§6), commands (§7),
# keypad derivations (§9, §13), events and attestations (§11, §14), serial frames (§14).
"""An independent owner's-app implementation of the lock protocol (no code shared with the lock)."""
import hashlib
import hmac
import re
import zlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import cbor
from cbor import Tag

ROLES = {"owner": 0, "resident": 1, "guest": 2, "service": 3, "delivery": 4}
ROLE_NAMES = {v: k for k, v in ROLES.items()}


class Key:
    """An Ed25519 key from its 32-byte RFC 8032 seed."""

    def __init__(self, seed):
        self.seed = bytes(seed)
        self._sk = Ed25519PrivateKey.from_private_bytes(self.seed)
        self.public = self._sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @classmethod
    def from_label(cls, label):
        """PROTOCOL.md §12's test keys: the ASCII label padded with '.' to 32 bytes."""
        return cls(label.encode().ljust(32, b"."))

    def sign(self, data):
        return self._sk.sign(data)


def verify(public, signature, data):
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
        return True
    except (InvalidSignature, ValueError):
        return False


# ---- COSE_Sign1 (§1) ----

def sign1(key, typ, payload):
    protected = cbor.encode({1: -8, 4: key.public, 16: typ})
    body = cbor.encode(payload)
    sig = key.sign(cbor.encode(["Signature1", protected, b"", body]))
    return cbor.encode(Tag(18, [protected, {}, body, sig]))


class Refused(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def open_sign1(data, typ, signer=None):
    """(kid, payload) of a tagged COSE_Sign1 of `typ`; raises Refused(reason) like an owner's app should."""
    try:
        msg = cbor.decode(data)
    except (cbor.DecodeError, UnicodeDecodeError):
        raise Refused("malformed")
    if not (isinstance(msg, Tag) and msg.tag == 18 and isinstance(msg.value, list) and len(msg.value) == 4):
        raise Refused("malformed")
    protected, unprotected, body, sig = msg.value
    if not (isinstance(protected, bytes) and unprotected == {} and isinstance(body, bytes) and isinstance(sig, bytes)):
        raise Refused("malformed")
    try:
        header = cbor.decode(protected)
    except (cbor.DecodeError, UnicodeDecodeError):
        raise Refused("malformed")
    if not isinstance(header, dict) or set(header) != {1, 4, 16} or cbor.encode(header) != protected:
        raise Refused("malformed")
    # Appendix C's order: type, algorithm, signature, payload CBOR, signer.
    if header[16] != typ:
        raise Refused("wrong-type")
    if header[1] != -8:
        raise Refused("unsupported-alg")
    kid = header[4]
    if not isinstance(kid, bytes) or len(kid) != 32 or len(sig) != 64:
        raise Refused("malformed")
    if not verify(kid, sig, cbor.encode(["Signature1", protected, b"", body])):
        raise Refused("bad-signature")
    try:
        payload = cbor.decode(body)
    except (cbor.DecodeError, UnicodeDecodeError):
        raise Refused("malformed")
    if signer is not None and kid != signer:
        raise Refused("wrong-device")
    return kid, payload


# ---- grants (§3), presentations (§4) ----

def cose_key(public):
    return {1: {1: 1, -1: 6, -2: public}}


def grant(key, aud, cti, *, holder=None, role=None, nbf=None, exp=None, iat=None, schedule=None,
          max_uses=None, record=None, relock_within=None, delegation=None, credential=None,
          label=None, iss=None, sub=None):
    """A grant (role given) or a delegation (delegation=(roles, max_uses, depth)) signed by `key`."""
    claims = {3: aud, 7: cti}
    for k, v in ((1, iss), (2, sub), (4, exp), (5, nbf), (6, iat), (-65538, schedule), (-65539, max_uses), (-65543, label)):
        if v is not None:
            claims[k] = v
    if holder is not None:
        claims[8] = cose_key(holder)
    if role is not None:
        claims[-65537] = ROLES[role]
    obligations = {}
    if record is not None:
        obligations[1] = record
    if relock_within is not None:
        obligations[2] = relock_within
    if obligations:
        claims[-65540] = obligations
    if delegation is not None:
        roles, uses, depth = delegation
        d = {1: [ROLES[r] for r in roles]}
        if uses is not None:
            d[2] = uses
        if depth is not None:
            d[3] = depth
        claims[-65541] = d
    if credential is not None:
        kind, digests = credential
        claims[-65542] = {1: {"pin": 1, "tracking": 2}[kind], 2: list(digests)}
    return sign1(key, "lock-grant", claims)


def presentation(chain, holder, aud, challenge, leaf_cti):
    proof = sign1(holder, "lock-proof", {1: aud, 2: challenge, 3: leaf_cti})
    return cbor.encode([1, list(chain), proof])


def delegated_grant_id(root, issuer, cti):
    """§3 grant identity: the id of a link signed by a delegated issuer."""
    return hashlib.sha256(b"lock-grant-id-v1" + root + issuer + cti).digest()[:16]


# ---- revocation lists and heartbeats (§6), commands (§7) ----

def revocations(owner, aud, seq, iat, grants=(), holders=(), issuers=(), omit_empty=True):
    """A whole list; its three entries are optional (§6), so empty ones are left out unless asked for."""
    entries = {0: b"".join(grants), 1: b"".join(holders), 2: b"".join(issuers)}
    return sign1(owner, "lock-revocations", {1: seq, 2: aud, 3: iat, 4: {k: v for k, v in entries.items() if v or not omit_empty}})


def heartbeat(owner, aud, time, seq):
    return sign1(owner, "lock-heartbeat", {1: time, 2: seq, 3: aud})


def command(owner, aud, nonce, iat, action, exp=None, mode=None):
    payload = {1: aud, 2: nonce, 3: iat, 4: exp if exp is not None else iat + 60, 5: action}
    if mode is not None:
        payload[6] = mode
    return sign1(owner, "lock-command", payload)


# ---- keypad codes (§9) and tracking numbers (§13) ----

def _mac(secret, label, data):
    return hmac.new(secret, label + b"\x00" + data, hashlib.sha256).digest()


def pin_digest(secret, pin):
    return _mac(secret, b"lock-pin-v1", pin.encode("ascii"))


def offline_code(secret, lock_id, start_hour, klass):
    h = _mac(secret, b"lock-offline-v1", lock_id.encode() + b"\x00" + start_hour.to_bytes(4, "big") + bytes([klass]))
    off = h[31] & 0x0F
    mac = (int.from_bytes(h[off:off + 4], "big") & 0x7FFFFFFF) % 10**6
    return f"{klass}{start_hour % 1000:03d}{mac:06d}"


def offline_use_id(secret, code):
    return _mac(secret, b"lock-offline-use-v1", code.encode("ascii"))[:16]


def normalize_tracking(text):
    return re.sub(r"[\s-]", "", text).upper()


def tracking_digest(secret, text):
    return _mac(secret, b"lock-tracking-v1", normalize_tracking(text).encode("ascii"))


def tracking_use_id(grant_id, digest):
    return hashlib.sha256(b"lock-tracking-use-v1" + grant_id + digest).digest()[:16]


# ---- what the lock signs (§11, §14) ----

EVENT_KEYS = {1, 2, 3, 4, 5, 6}


def read_event(data, device_key=None, lock_id=None):
    """The event payload as a dict; raises Refused(reason) per Appendix C's owner's-app verdicts."""
    if len(data) > 8192:
        raise Refused("too-large")
    _, p = open_sign1(data, "lock-event", device_key)
    if not (isinstance(p, dict) and set(p) == EVENT_KEYS):
        raise Refused("malformed")
    ok = (isinstance(p[1], str) and isinstance(p[2], int) and p[2] >= 1 and isinstance(p[3], int) and p[3] >= 0
          and isinstance(p[4], str) and isinstance(p[5], dict) and all(isinstance(k, str) for k in p[5])
          and isinstance(p[6], int) and 0 <= p[6] <= 999)
    if not ok or (lock_id is not None and p[1] != lock_id):
        raise Refused("malformed")
    return {"lock": p[1], "seq": p[2], "time": p[3], "ms": p[6], "type": p[4], "details": p[5]}


def read_attestation(data, device_key):
    if len(data) > 8192:
        raise Refused("too-large")
    _, p = open_sign1(data, "lock-attestation", device_key)
    if not (isinstance(p, dict) and set(p) == {1, 2, 3, 4} and p[4] == device_key):
        raise Refused("malformed")
    return {"lockId": p[1], "ownerKeys": p[2], "time": p[3], "device": p[4]}


# ---- serial frames (§14) ----

def cobs_encode(data):
    out, block = bytearray(), bytearray()
    for b in data:
        if b == 0:
            out += bytes([len(block) + 1]) + block
            block = bytearray()
        else:
            block.append(b)
            if len(block) == 254:
                out += bytes([255]) + block
                block = bytearray()
    return bytes(out + bytes([len(block) + 1]) + block)


def cobs_decode(data):
    out, i = bytearray(), 0
    while i < len(data):
        code = data[i]
        if code == 0 or i + code > len(data):
            raise ValueError("bad cobs")
        out += data[i + 1:i + code]
        i += code
        if code < 255 and i < len(data):
            out.append(0)
    return bytes(out)


def frame(payload):
    return cobs_encode(payload + zlib.crc32(payload).to_bytes(4, "big")) + b"\x00"


def unframe(raw):
    """The payload of one frame (without its 0x00 delimiter), or None when its CRC is wrong."""
    data = cobs_decode(raw)
    payload, crc = data[:-4], data[-4:]
    return payload if zlib.crc32(payload).to_bytes(4, "big") == crc else None
