// The durable event outbox: every audit event is signed by the device key, numbered with the lock's
// own sequence (never reused, across restarts), and fsync'd to `outbox` before append() returns.
// Events are published from here and marked delivered only on the broker's acknowledgement, so a
// broker outage, a restart or a kill -9 loses none; consumers dedupe by sequence.
// Record: [u32 length][u8 type][payload][u32 CRC-32]; a torn tail is cut at open. Every record
// tells the next sequence number (an event its own, an acknowledgement or drop carries it), so a
// file whose last record is intact is not replayed at boot: events are appended at once and the
// file is replayed when first read (after ready), however many events wait in it.
// Cap policy: over `cap` undelivered events or `capBytes` of them, the oldest normal event is
// dropped first (security events are kept while any normal one remains), and one pending
// "events-dropped" notice (a security event) carries the cumulative count. The file is compacted
// (atomic rewrite) whenever delivered and dropped records outweigh the pending ones, also while
// events are pending, so a broker that never acknowledges cannot fill the card.
import type { Clock } from '../../hal/ports/clock.js';
import { signMessage, TYP } from '../access/messages.js';
import type { DeviceIdentity } from '../identity.js';
import type { Storage } from '../../hal/ports/storage.js';
import type { EventType } from '../reasons.js';
import { CrcJournal, type JournalDamage, type JournalRecord } from '../store/journal.js';

export type Priority = 'security' | 'normal';

const EVENT = 1;
const ACK = 2;
const DROP = 3;
const NEXT = 4;
/** Default byte cap: 16 MiB of undelivered events (tens of thousands), small beside any SD card. */
const DEFAULT_CAP_BYTES = 16 * 1024 * 1024;
/** Room kept for one more event (a signed event is a few hundred bytes; details are bounded). */
const ROOM_BYTES = 4096;
const COMPACT_MIN_BYTES = 1024 * 1024;

export interface OutboxEvent {
  seq: number;
  priority: Priority;
  /** The signed COSE_Sign1 bytes, as published. */
  bytes: Uint8Array;
}

export interface OutboxOptions {
  lockId: string;
  /** Most undelivered events kept on disk. */
  cap: number;
  /** Most bytes of undelivered events kept (the file stays under about twice this, plus 1 MiB). */
  capBytes?: number;
  /** The storage medium (default: the real file system). */
  storage?: Storage;
  /** Damage found when the backlog is read after open (at open it is in `damage`). */
  onDamage?: (damage: JournalDamage) => void;
  /** An append listener threw (the event itself is stored): the caller counts it. */
  onListenerFault?: (error: unknown) => void;
}

export class Outbox {
  private readonly pendingEvents = new Map<number, OutboxEvent>();
  private nextSeq = 1;
  private readonly journal: CrcJournal;
  private noticeSeq: number | null = null;
  private droppedTotal = 0;
  private readonly kinds = new Map<number, number>(); // replay only: priority byte by sequence
  private readonly appendListeners = new Set<() => void>();
  /** Bytes of the pending events' records: what a compaction keeps. */
  private pendingBytes = 0;

  constructor(
    dir: string,
    private readonly identity: DeviceIdentity,
    private readonly clock: Clock,
    private readonly options: OutboxOptions,
  ) {
    if (options.cap < 2) throw new RangeError('the outbox cap must be at least 2 (an event and the drop notice)');
    this.journal = new CrcJournal(dir, 'outbox', (r) => this.apply(r), undefined, options.storage, (last) => this.resume(last));
    this.kinds.clear();
  }

  /** Set when the outbox file was damaged (not merely torn) at open. */
  get damage(): JournalDamage | null {
    this.replay();
    return this.journal.damage;
  }

  /** Bytes cut from a torn tail at open. */
  get tornBytes(): number {
    this.replay();
    return this.journal.tornBytes;
  }

  /**
   * Read the file as found at open, if not yet done (the boot defers it): the events appended
   * since stay after the older ones. Everything that reads the outbox calls this first.
   */
  replay(): void {
    if (!this.journal.replayPending) return;
    const appended = [...this.pendingEvents.values()];
    const before = { dropped: this.droppedTotal, notice: this.noticeSeq };
    this.pendingEvents.clear();
    this.pendingBytes = 0;
    try {
      this.journal.replay();
    } catch (error) {
      // Not read (the card failed): back to what was appended since open; tried again at the next read.
      this.pendingEvents.clear();
      this.pendingBytes = 0;
      [this.droppedTotal, this.noticeSeq] = [before.dropped, before.notice];
      throw error;
    } finally {
      this.kinds.clear();
      for (const event of appended) {
        this.pendingEvents.set(event.seq, event);
        this.pendingBytes += recordBytes(event);
      }
    }
    this.compactIfWasteful();
    if (this.journal.damage) this.options.onDamage?.(this.journal.damage);
  }

  /** True until the backlog found at open has been read. */
  get replayPending(): boolean {
    return this.journal.replayPending;
  }

  /**
   * The backlog cannot be read (a failing card) and the caps need it: give it up, keeping the
   * numbering. The file is replaced by the next number and the events appended since open, and
   * the loss is reported as damage to the whole backlog.
   */
  private giveUpBacklog(): void {
    this.compact(); // throws if even that cannot be written: the backlog then stays, to be read later
    this.journal.abandonReplay();
    if (this.journal.damage) this.options.onDamage?.(this.journal.damage);
  }

  get size(): number {
    this.replay();
    return this.pendingEvents.size;
  }

  /** The sequence number the next event will get. */
  get next(): number {
    return this.nextSeq;
  }

  get dropped(): number {
    this.replay();
    return this.droppedTotal;
  }

  /** Sign, number and durably store an event; returns its sequence number. Throws on I/O failure. */
  append(type: EventType, data: Map<number | string, unknown>, priority: Priority = 'normal'): number {
    const full = () => this.pendingEvents.size >= this.options.cap || this.pendingBytes + ROOM_BYTES > this.capBytes;
    // The caps count the backlog: read it first (if it cannot be read, it is given up, not the cap).
    if (this.journal.replayPending && full()) {
      try {
        this.replay();
      } catch {
        this.giveUpBacklog();
      }
    }
    // Each round drops one event and rewrites the single notice; repeat until the new one fits.
    while (!this.journal.replayPending && full() && this.makeRoom());
    const seq = this.write(type, data, priority);
    this.compactIfWasteful();
    for (const listener of this.appendListeners) {
      try {
        listener();
      } catch (error) {
        this.options.onListenerFault?.(error); // the event is stored: append still succeeded
      }
    }
    return seq;
  }

  /** Called after each append (the link publishes at once when connected). */
  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Undelivered events, oldest first. */
  pending(limit = Number.POSITIVE_INFINITY): OutboxEvent[] {
    this.replay();
    const out: OutboxEvent[] = [];
    for (const event of this.pendingEvents.values()) {
      if (out.length >= limit) break;
      out.push(event);
    }
    return out;
  }

  /** The broker has the event: durably mark it delivered. */
  ack(seq: number): void {
    this.replay();
    if (!this.pendingEvents.has(seq)) return;
    this.record(ACK, seqAndNext(seq, this.nextSeq));
    this.forget(seq);
    if (seq === this.noticeSeq) this.noticeSeq = null;
    this.compactIfWasteful();
  }

  /** Bytes the outbox file holds now. */
  get fileBytes(): number {
    this.replay();
    return this.journal.size;
  }

  private get capBytes(): number {
    return this.options.capBytes ?? DEFAULT_CAP_BYTES;
  }

  /** Compact (also while events are pending) once acknowledged and dropped records outweigh the live ones. */
  private compactIfWasteful(): void {
    if (this.journal.replayPending) return;
    const drained = this.pendingEvents.size === 0 && this.journal.size > 64 * 1024;
    if (!drained && (this.journal.size <= COMPACT_MIN_BYTES || this.journal.size <= 2 * this.pendingBytes)) return;
    try {
      this.compact();
    } catch {
      // No room to rewrite (a full card): the old file stays valid; tried again at the next append or ack.
    }
  }

  private forget(seq: number): void {
    const event = this.pendingEvents.get(seq);
    if (!event) return;
    this.pendingEvents.delete(seq);
    this.pendingBytes -= recordBytes(event);
  }

  close(): void {
    this.journal.close();
  }

  private write(type: string, data: Map<number | string, unknown>, priority: Priority, notice = false): number {
    const seq = this.nextSeq;
    const now = this.clock.now();
    const payload = new Map<number, unknown>([
      [1, this.options.lockId],
      [2, seq],
      [3, Math.floor(now / 1000)],
      [4, type],
      [5, data],
      [6, Math.floor(now % 1000)],
    ]);
    const bytes = signMessage(this.identity, TYP.event, payload);
    // Priority byte: 0 normal, 1 security, 2 the drop notice (a security event).
    this.record(EVENT, Buffer.concat([u32(seq), Buffer.from([notice ? 2 : priority === 'security' ? 1 : 0]), bytes]));
    this.nextSeq = seq + 1;
    const event = { seq, priority, bytes };
    this.pendingEvents.set(seq, event);
    this.pendingBytes += recordBytes(event);
    return seq;
  }

  /** Drop the oldest normal event (or, if all are security events, the oldest), and renew the notice. */
  private makeRoom(): boolean {
    let victim: OutboxEvent | undefined;
    for (const event of this.pendingEvents.values()) {
      if (event.seq === this.noticeSeq) continue;
      if (event.priority === 'normal') {
        victim = event;
        break;
      }
      victim ??= event;
    }
    if (!victim) return false;
    this.drop(victim.seq);
    this.droppedTotal++;
    if (this.noticeSeq !== null) this.drop(this.noticeSeq);
    this.noticeSeq = this.write('events-dropped', new Map([['count', this.droppedTotal]]), 'security', true);
    return true;
  }

  private drop(seq: number): void {
    this.record(DROP, seqAndNext(seq, this.nextSeq));
    this.forget(seq);
  }

  private record(type: number, payload: Uint8Array): void {
    this.journal.append(type, payload);
  }

  /** One replayed record; false for one we do not know (the intact prefix ends there). */
  private apply({ type, payload }: JournalRecord): boolean {
    const body = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
    if (type === EVENT && body.length > 5) {
      const seq = body.readUInt32BE(0);
      this.kinds.set(seq, body[4]!);
      this.forget(seq);
      const event: OutboxEvent = { seq, priority: body[4] === 0 ? 'normal' : 'security', bytes: new Uint8Array(body.subarray(5)) };
      this.pendingEvents.set(seq, event);
      this.pendingBytes += recordBytes(event);
      this.nextSeq = Math.max(this.nextSeq, seq + 1);
      if (body[4] === 2) this.noticeSeq = seq;
    } else if ((type === ACK || type === DROP) && (body.length === 4 || body.length === 8)) {
      const seq = body.readUInt32BE(0);
      if (body.length === 8) this.nextSeq = Math.max(this.nextSeq, body.readUInt32BE(4));
      if (type === DROP && this.kinds.get(seq) !== 2) this.droppedTotal++;
      if (seq === this.noticeSeq) this.noticeSeq = null;
      this.forget(seq);
    } else if (type === NEXT && body.length === 4) {
      this.nextSeq = Math.max(this.nextSeq, body.readUInt32BE(0));
    } else {
      return false;
    }
    return true;
  }

  /** The last record of an intact file: enough to go on numbering before the replay (false: replay now). */
  private resume({ type, payload }: JournalRecord): boolean {
    const body = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
    if (type === EVENT && body.length > 5) this.nextSeq = body.readUInt32BE(0) + 1;
    else if (type === NEXT && body.length === 4) this.nextSeq = body.readUInt32BE(0);
    else if ((type === ACK || type === DROP) && body.length === 8) this.nextSeq = body.readUInt32BE(4);
    else return false;
    return true;
  }

  /**
   * Rewrite the file with only what is still needed: the next sequence number and pending events.
   * The number is written last as well: the last record is what the next boot resumes from.
   */
  private compact(): void {
    const records: JournalRecord[] = [{ type: NEXT, payload: u32(this.nextSeq) }];
    for (const e of this.pendingEvents.values()) {
      const kind = e.seq === this.noticeSeq ? 2 : e.priority === 'security' ? 1 : 0;
      records.push({ type: EVENT, payload: Buffer.concat([u32(e.seq), Buffer.from([kind]), e.bytes]) });
    }
    if (records.length > 1) records.push({ type: NEXT, payload: u32(this.nextSeq) });
    this.journal.rewrite(records);
  }
}

/** The journal bytes one pending event takes: frame (8) + type (1) + seq (4) + kind (1) + the signed bytes. */
const recordBytes = (e: OutboxEvent) => 14 + e.bytes.length;

/** An acknowledgement or drop: the sequence number, then the next one to be given. */
function seqAndNext(seq: number, next: number): Buffer {
  return Buffer.concat([u32(seq), u32(next)]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

