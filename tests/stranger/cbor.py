# A minimal CBOR codec written from docs/PROTOCOL.md §1 alone (RFC 8949 §4.2.1 deterministic encoding):
# integers up to 32 bits, byte and text strings, arrays, maps, true/false/null and tag 18.
"""Deterministic CBOR encoder and strict decoder for the lock protocol's subset."""


class Tag:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value

    def __eq__(self, other):
        return isinstance(other, Tag) and (self.tag, self.value) == (other.tag, other.value)

    def __repr__(self):
        return f"Tag({self.tag}, {self.value!r})"


def _head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    if n < 0x100:
        return bytes([major << 5 | 24, n])
    if n < 0x10000:
        return bytes([major << 5 | 25]) + n.to_bytes(2, "big")
    if n < 0x100000000:
        return bytes([major << 5 | 26]) + n.to_bytes(4, "big")
    raise ValueError("integers are limited to 32 bits (PROTOCOL.md §1)")


def encode(v):
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if v is None:
        return b"\xf6"
    if isinstance(v, int):
        return _head(0, v) if v >= 0 else _head(1, -1 - v)
    if isinstance(v, (bytes, bytearray)):
        return _head(2, len(v)) + bytes(v)
    if isinstance(v, str):
        b = v.encode("utf-8")
        return _head(3, len(b)) + b
    if isinstance(v, (list, tuple)):
        return _head(4, len(v)) + b"".join(encode(x) for x in v)
    if isinstance(v, dict):
        items = sorted((encode(k), encode(x)) for k, x in v.items())  # keys sorted by their encoded bytes
        return _head(5, len(items)) + b"".join(k + x for k, x in items)
    if isinstance(v, Tag):
        return _head(6, v.tag) + encode(v.value)
    raise TypeError(f"cannot encode {type(v).__name__}")


class DecodeError(ValueError):
    pass


def decode(data):
    """Decode one whole item; anything outside the subset, trailing bytes or duplicate keys raise DecodeError."""
    value, end = _item(memoryview(bytes(data)), 0, 0)
    if end != len(data):
        raise DecodeError("trailing bytes")
    return value


def _item(buf, pos, depth):
    if depth > 16:
        raise DecodeError("too deep")
    if pos >= len(buf):
        raise DecodeError("truncated")
    ib = buf[pos]
    major, info = ib >> 5, ib & 31
    pos += 1
    if major == 7:
        simple = {20: False, 21: True, 22: None}
        if info in simple:
            return simple[info], pos
        raise DecodeError("floats and other simple values are not allowed")
    if info < 24:
        n = info
    elif info in (24, 25, 26):
        size = 1 << (info - 24)
        if pos + size > len(buf):
            raise DecodeError("truncated")
        n = int.from_bytes(buf[pos:pos + size], "big")
        pos += size
    else:
        raise DecodeError("64-bit or indefinite lengths are not allowed")
    if major == 0:
        return n, pos
    if major == 1:
        return -1 - n, pos
    if major in (2, 3):
        if pos + n > len(buf):
            raise DecodeError("truncated")
        raw = bytes(buf[pos:pos + n])
        return (raw if major == 2 else raw.decode("utf-8")), pos + n
    if major == 4:
        out = []
        for _ in range(n):
            x, pos = _item(buf, pos, depth + 1)
            out.append(x)
        return out, pos
    if major == 5:
        out = {}
        for _ in range(n):
            k, pos = _item(buf, pos, depth + 1)
            if not isinstance(k, (int, str)):
                raise DecodeError("map keys must be integers or strings")
            if k in out:
                raise DecodeError("duplicate map key")
            out[k], pos = _item(buf, pos, depth + 1)
        return out, pos
    x, pos = _item(buf, pos, depth + 1)
    return Tag(n, x), pos
