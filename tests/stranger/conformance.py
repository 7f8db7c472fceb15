# An owner's app written from docs/PROTOCOL.md alone, run against a real lock: it pairs the lock over
# the serial line, then mints and pushes everything the document describes over MQTT and checks what
# the lock answers, as signed events verified against the device key the pairing attested.
"""Usage: python3 conformance.py CONFIG.json  -> one line per check; exit 1 if any failed."""
import json
import os
import sys

import lockproto as lp
from catalogue import run as final_checks
from flows_keypad import run as keypad
from flows_reader import run as reader
from flows_remote import run as remote
from flows_setup import run as setup
from harness import MODE, Context, failures
from session import Api, Owner


def main():
    cfg = json.load(open(sys.argv[1]))
    lock_id = cfg["lockId"]
    # "pair": the stranger pairs the lock over the serial line with keys of its own making. "config": the
    # lock was configured by hand with the owner key and keypad secret given here (README, config `access`).
    MODE["mode"] = cfg.get("mode", "pair")
    owner = lp.Key(bytes.fromhex(cfg["ownerSeed"])) if "ownerSeed" in cfg else lp.Key(os.urandom(32))
    secret = bytes.fromhex(cfg["keypadSecret"]) if "keypadSecret" in cfg else os.urandom(32)
    app = Owner("127.0.0.1", cfg["brokerPort"], cfg["caFile"], "owner", cfg["ownerPassword"], lock_id)
    api = Api(cfg["apiBase"], cfg["apiToken"])
    c = Context(cfg, owner, secret, app, api)
    for flows in (setup, keypad, reader, remote, final_checks):
        flows(c)
    app.disconnect()
    print(f"{len(failures)} failed: {failures}" if failures else "all passed", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
