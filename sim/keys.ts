// What each key does in `npm run sim`: acts on the world through the control API (and, for `l`/`u`,
// commands the lock), and says in one line what happened. `s` prints the lock's one status value.
import type { App } from '../firmware/app.js';
import type { SimControl } from './control/control.js';
import type { SimPhone } from './devices/credential-reader.js';

export const KEYS_HELP = `
 keys:  l lock   u unlock   o open door   c close door   f force door   t thumb-turn
        j jam bolt   k brief jam (frees on backoff)   g clear jam
        0-9 * #  keypad (# enters, * clears)   n phone with a grant at the reader
        d courier phone with a delivery visit (camera first)   a scan an expected parcel   z scan an unknown label
        p pair button   P hold the pair button down (P again lets go; it lets go by itself after 60 s)
        x tamper on/off   b battery -10%   v camera fails   r camera repaired (the lock checks it)
        s show state   h help   q quit
`;

/** How long `P` holds the pair button at most: longer than lockctl takes to start and ask for a reset. */
export const PAIR_HOLD_MS = 60_000;

export interface KeyContext {
  app: () => App;
  control: SimControl;
  demo: { phone: SimPhone; courier: SimPhone; parcels: string[] } | null;
  say: (line: string) => void;
  quit: () => void;
  /** JSON output: `s` prints one line. */
  json?: boolean;
}

export function simKeys(ctx: KeyContext): (key: string) => Promise<void> | void {
  const { control, say } = ctx;
  const lock = () => ctx.app().deadbolt;
  let tampered = false;
  let parcelsScanned = 0;
  let heldUntil = 0; // a P hold in progress (a short p press does not count)
  const needDemo = (what: string) => {
    if (!ctx.demo) say(`no demo ${what}: the lock was started with a real access config`);
    return ctx.demo;
  };
  const actions: Record<string, () => Promise<void> | void> = {
    l: () => say(`lock: ${lock().lock('command')}`),
    u: () => say(`unlock: ${lock().unlock('command')}`),
    o: () => say(`open door: ${control.openDoor() ?? 'ok'}`),
    c: () => say(`close door: ${control.closeDoor() ?? 'ok'}`),
    f: () => say(`force door: ${control.forceDoor() ?? 'ok'}`),
    t: () => {
      const to = control.snapshot().bolt.position > 0.5 ? 'unlocked' : 'locked';
      say(`thumb-turn to ${to}: ${control.turnThumbTurn(to) ? 'turning' : 'will not turn'}`);
    },
    j: () => (control.jamBolt(false), say('bolt jammed')),
    k: () => (control.jamBolt(true), say('bolt briefly jammed')),
    g: () => (control.clearJam(), say('jam cleared')),
    p: () => (control.pressPairButton(), say('pair button pressed')),
    P: () => {
      if (Date.now() < heldUntil) {
        heldUntil = 0;
        control.releasePairButton();
        say('pair button let go');
      } else {
        heldUntil = Date.now() + PAIR_HOLD_MS;
        control.pressPairButton(PAIR_HOLD_MS);
        say(`pair button held down (P again lets go; by itself in ${PAIR_HOLD_MS / 1000} s): run lockctl factory-reset now`);
      }
    },
    x: () => {
      tampered = !tampered;
      control.setTamper(tampered);
      say(`tamper ${tampered ? 'on' : 'off'}`);
    },
    b: () => {
      const next = Math.max(0, (control.snapshot().battery ?? 100) - 10);
      control.setBattery(next);
      say(`battery set to ${next}% (the lock's gauge samples it slowly)`);
    },
    n: () => {
      const demo = needDemo('phone');
      if (!demo) return;
      control.tapPhone(demo.phone);
      say('phone at the reader');
    },
    d: () => {
      const demo = needDemo('courier');
      if (!demo) return;
      control.tapPhone(demo.courier);
      say('courier phone at the reader');
    },
    a: () => {
      const demo = needDemo('parcels');
      if (!demo) return;
      const label = demo.parcels[parcelsScanned++ % demo.parcels.length]!;
      control.scanBarcode(label);
      say(`scanned ${label}`);
    },
    z: () => (control.scanBarcode(`UNKNOWN${Date.now() % 100_000}`), say('scanned an unknown label')),
    v: () => (control.failCamera(), say('camera will not record')),
    r: () => {
      control.repairCamera();
      const supervisor = ctx.app().supervisor;
      if (!supervisor) return say('camera repaired');
      say('camera repaired: the lock checks it...');
      return new Promise<void>((resolve) =>
        supervisor.checkCamera((ok) => {
          say(ok ? 'camera check: recording confirmed' : 'camera check: still no recording');
          resolve();
        }),
      );
    },
    s: () => say(JSON.stringify({ lock: ctx.app().status(), world: control.snapshot() }, null, ctx.json ? undefined : 2)),
    h: () => say(KEYS_HELP),
    q: () => ctx.quit(),
  };
  return async (key) => {
    if (/^[0-9*#]$/.test(key)) {
      if (!(await control.pressKeyPatiently(key))) say("a key press was not scanned in time (the keypad scanner did not run)");
      return;
    }
    await actions[key]?.();
  };
}
