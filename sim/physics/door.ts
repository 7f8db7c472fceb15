// The door and its contact: opens and closes with contact bounce, cannot open past a thrown bolt
// unless forced, cannot close onto a thrown bolt.
import type { Clock } from '../../hal/ports/clock.js';
import type { RandomSource } from '../../hal/ports/random.js';
import type { Contact } from './contact.js';

export interface DoorOptions {
  /** How long the contact chatters after a change. */
  bounceMs: number;
  /** How many extra transitions it makes while chattering. */
  bounces: number;
}

export type DoorRefusal = 'bolt-thrown' | 'already';

export class DoorPhysics {
  private open = false;
  /** Set when the door was forced open past a thrown bolt; cleared when it is shut again. */
  forced = false;

  constructor(
    private readonly contact: Contact,
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly boltThrown: () => boolean,
    private readonly options: DoorOptions = { bounceMs: 8, bounces: 3 },
  ) {
    contact.set(true); // contact active = door closed
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Open the door; a thrown bolt holds it unless `force` (forced entry). */
  openDoor(force = false): DoorRefusal | null {
    if (this.open) return 'already';
    if (this.boltThrown() && !force) return 'bolt-thrown';
    if (this.boltThrown()) this.forced = true;
    this.open = true;
    this.bounce(false);
    return null;
  }

  /** Close the door; it will not shut onto a thrown bolt. */
  closeDoor(): DoorRefusal | null {
    if (!this.open) return 'already';
    if (this.boltThrown()) return 'bolt-thrown';
    this.open = false;
    this.forced = false;
    this.bounce(true);
    return null;
  }

  private bounce(closed: boolean): void {
    const { bounceMs, bounces } = this.options;
    const offsets = Array.from({ length: bounces }, () => this.random.float() * bounceMs).sort(
      (a, b) => a - b,
    );
    let level = closed;
    this.contact.glitch(level);
    for (const offset of offsets) {
      level = !level;
      const chatter = level;
      this.clock.after(Math.max(1, Math.round(offset)), () => this.contact.glitch(chatter));
    }
    this.clock.after(bounceMs + 1, () => this.contact.set(closed));
  }
}
