// Operating modes, set by an owner-signed command and persisted:
//   normal            everything the grants allow;
//   vacation          keypad codes refused except owner PINs (phone grants and remote still work);
//   privacy           only the owner, on every channel;
//   passage           the door stays unlocked (no auto-relock);
//   no-remote-unlock  remote unlock commands refused.
import type { Role } from './access/grant.js';

export const MODES = ['normal', 'vacation', 'privacy', 'passage', 'no-remote-unlock'] as const;
export type Mode = (typeof MODES)[number];
export type Channel = 'keypad' | 'reader' | 'barcode' | 'remote-unlock';

export function isMode(value: string): value is Mode {
  return (MODES as readonly string[]).includes(value);
}

/** Whether `mode` lets a holder of `role` in through `channel`. */
export function modeAllows(mode: Mode, channel: Channel, role: Role): boolean {
  switch (mode) {
    case 'vacation':
      return channel !== 'keypad' || role === 'owner';
    case 'privacy':
      return role === 'owner';
    case 'no-remote-unlock':
      return channel !== 'remote-unlock';
    default:
      return true;
  }
}
