// The lock lifecycle most scenario files share: a start function whose locks are all closed after
// each test, and the front door they usually start (Monday 1 June 2026, 10:00 in Berlin, relocking
// after 10 s). Apart from sim-lock.ts because it registers a vitest hook (the benches import that).
import { afterEach } from 'vitest';
import { type SimLock, startSimLock } from './sim-lock.js';

export type SimLockOptions = Parameters<typeof startSimLock>[0];

/** Monday 1 June 2026, 08:00 UTC (10:00 in Berlin). */
export const FRONT_DOOR_START = Date.parse('2026-06-01T08:00:00Z');

/** Call at the top of a test file: every lock the returned function starts is closed after each test. */
export function locksClosedAfterEach(): (options: SimLockOptions) => Promise<SimLock> {
  const open: SimLock[] = [];
  afterEach(async () => {
    for (const lock of open.splice(0)) await lock.close();
  });
  return async (options) => {
    const lock = await startSimLock(options);
    open.push(lock);
    return lock;
  };
}

/** The front door of lock id `front-door` with this owner key and keypad secret. */
export function frontDoor(ownerKey: Uint8Array, keypadSecret: Uint8Array): SimLockOptions {
  return {
    startMs: FRONT_DOOR_START,
    config: { autoRelockMs: 10_000 },
    access: { lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [ownerKey], keypadSecret },
  };
}
