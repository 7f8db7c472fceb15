// The access journal kept twice: every record is appended (and fsync'd) to `<name>` and then to
// `<name>.mirror`. A truncated, emptied, deleted or damaged copy is found by comparing the two,
// reported, and repaired from the other, so one bad file on an SD card loses no use, lockout or
// nonce. Only when both copies lost records are the uses "unproven" (the core then fails safe).
import { join } from 'node:path';
import type { Storage } from '../../hal/ports/storage.js';
import { nodeStorage } from '../../hal/node/storage.js';
import { CrcJournal, type JournalDamage, type JournalRecord } from './journal.js';

const same = (x: JournalRecord, y: JournalRecord) => x.type === y.type && Buffer.compare(x.payload, y.payload) === 0;

export class MirroredJournal {
  private readonly copies: [CrcJournal, CrcJournal];
  /** Every copy found short or damaged at open (reported to the owner). */
  readonly damage: JournalDamage[] = [];
  /** True when neither copy could be shown complete: records may be lost. */
  readonly recordsUnproven: boolean;

  /** Open both copies and replay their union to `apply`: the shorter copy first, the longer last. */
  constructor(dir: string, name: string, apply: (record: JournalRecord) => void, maxRecord: number, fs: Storage = nodeStorage) {
    const names = [name, `${name}.mirror`] as const;
    const existed = names.map((n) => fs.sizeOf(join(dir, n)) > 0);
    const seen: JournalRecord[][] = [[], []];
    const keep = (i: 0 | 1) => (r: JournalRecord) => (seen[i]!.push({ type: r.type, payload: new Uint8Array(r.payload) }), true);
    this.copies = [new CrcJournal(dir, names[0], keep(0), maxRecord, fs), new CrcJournal(dir, names[1], keep(1), maxRecord, fs)];
    const [a, b] = seen as [JournalRecord[], JournalRecord[]];
    const longer: 0 | 1 = a.length >= b.length ? 0 : 1;
    const shorter: 0 | 1 = longer === 0 ? 1 : 0;
    const [long, short] = [seen[longer]!, seen[shorter]!];
    const prefix = short.every((r, i) => same(r, long[i]!));
    // A power cut between the two appends leaves the mirror one record behind: normal, not damage.
    const lostRecords = (i: 0 | 1) => {
      if (this.copies[i].damage) return true;
      if (i === longer) return !prefix && short.length > 0 && this.copies[shorter].damage === null;
      return !existed[i] ? long.length > 0 : long.length - short.length > 1 || !prefix;
    };
    for (const i of [0, 1] as const) {
      if (!lostRecords(i)) continue;
      this.damage.push(this.copies[i].damage ?? { file: names[i], offset: this.copies[i].size, skippedBytes: 0 });
    }
    this.recordsUnproven = lostRecords(0) && lostRecords(1);
    for (const r of short) apply(r);
    for (const r of long) apply(r);
    // Repair: both copies hold the union (the longer copy's order, then what only the shorter had).
    // Without room for it (a full card), appends are refused until the repair is done: a record
    // added to copies that differ would make them look damaged at the next open.
    if (long.length !== short.length || !prefix) {
      this.unrepaired = [...long, ...short.filter((r) => !long.some((l) => same(l, r)))];
      try {
        this.repair();
      } catch {
        // tried again at the next append
      }
    }
  }

  /** The union both copies must hold before the next append, while a repair has not succeeded. */
  private unrepaired: JournalRecord[] | null = null;

  private repair(): void {
    if (!this.unrepaired) return;
    for (const copy of this.copies) copy.rewrite(this.unrepaired);
    this.unrepaired = null;
  }

  /** Bytes cut from torn tails at open, both copies. */
  get tornBytes(): number {
    return this.copies[0].tornBytes + this.copies[1].tornBytes;
  }

  get size(): number {
    return Math.max(this.copies[0].size, this.copies[1].size);
  }

  /**
   * Append to both copies (each whole and fsync'd), or to neither and throw: when the mirror fails
   * after the first copy took the record, the first copy is cut back. Only if that cut also fails
   * does the record stay in one copy (then it counts at the next boot: a use lost, never one gained).
   */
  append(type: number, payload: Uint8Array): void {
    this.repair();
    const before = this.copies[0].size;
    this.copies[0].append(type, payload);
    try {
      this.copies[1].append(type, payload);
    } catch (error) {
      try {
        this.copies[0].truncateTo(before);
      } catch {
        // left in the first copy: see above
      }
      throw error;
    }
  }

  rewrite(records: JournalRecord[]): void {
    for (const copy of this.copies) copy.rewrite(records);
    this.unrepaired = null;
  }

  close(): void {
    for (const copy of this.copies) copy.close();
  }
}
