# The stranger client's step runner and shared context: each step prints "ok" or "FAIL" with why,
# and the next step runs either way; the context holds the owner's keys, sessions and helpers.
"""Steps, expectations and the context the flows share."""
import os
import sys
import time
import traceback

import lockproto as lp

failures = []
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


class Context:
    """What every flow uses: the config, the owner's keys, its MQTT session and the control API."""

    def __init__(self, cfg, owner, secret, app, api):
        self.cfg, self.lock_id, self.owner, self.secret, self.app, self.api = cfg, cfg["lockId"], owner, secret, app, api
        self.ctx = {}

    @staticmethod
    def now():
        return int(time.time())

    @staticmethod
    def hx(b):
        return b.hex()

    def lock_bolt(self):
        """The owner's signed lock command, answered ok, and the retained state LOCKED."""
        app = self.app
        after = app.last_seq()
        app.publish("commands", lp.command(self.owner, self.lock_id, os.urandom(16), self.now(), "lock"))
        expect(app.wait_event(lambda t, d: t == "command", "command event", after)["details"], {"ok": True, "action": "lock"}, "lock")
        app.wait(lambda: (app.state() or {}).get("lock") == "LOCKED", "state LOCKED")

    def unlocked(self):
        self.app.wait(lambda: (self.app.state() or {}).get("lock") == "UNLOCKED", "state UNLOCKED")
