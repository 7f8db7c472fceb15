// `lockctl watch`: follows a lock's signed events on MQTT, verifies each against the lock's device
// key, checks the sequence for gaps and repeats, and prints one readable line (or JSON line) per
// event (PROTOCOL.md appendix B). `EventTrail` is the checking part, without the network.
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { describeEvent, type LockEvent, readEvent } from './events.js';
import { hexBytes, UsageError } from './args.js';

/** What one received message turned out to be. */
export type TrailEntry =
  | { kind: 'event'; event: LockEvent; duplicate: boolean; gap: { from: number; to: number } | null }
  | { kind: 'refused'; reason: string };

/** The sequence check: the next expected number, the gaps seen, the numbers already printed. */
export class EventTrail {
  private last = 0;
  private readonly seen = new Set<number>();
  gaps = 0;
  refused = 0;

  constructor(
    private readonly lockId: string,
    private readonly deviceKey?: Uint8Array,
  ) {}

  accept(bytes: Uint8Array): TrailEntry {
    const read = readEvent(bytes, this.deviceKey);
    if (!read.ok) {
      this.refused++;
      return { kind: 'refused', reason: read.reason };
    }
    const e = read.event;
    if (e.lockId !== this.lockId) {
      this.refused++;
      return { kind: 'refused', reason: `for lock "${e.lockId}"` };
    }
    if (this.seen.has(e.seq)) return { kind: 'event', event: e, duplicate: true, gap: null };
    this.seen.add(e.seq);
    // The first event sets the start: a watcher may join a lock that has been running for years.
    const gap = this.last > 0 && e.seq > this.last + 1 ? { from: this.last + 1, to: e.seq - 1 } : null;
    if (gap) this.gaps++;
    this.last = Math.max(this.last, e.seq);
    return { kind: 'event', event: e, duplicate: false, gap };
  }
}

/** The entry as the lines a person reads, or as one JSON line. */
export function formatEntry(entry: TrailEntry, json: boolean): string[] {
  if (json) {
    return [JSON.stringify(entry.kind === 'refused' ? { refused: entry.reason } : { ...entry.event, duplicate: entry.duplicate || undefined, gap: entry.gap ?? undefined })];
  }
  if (entry.kind === 'refused') return [`REFUSED: an event that does not verify (${entry.reason})`];
  const lines: string[] = [];
  if (entry.gap) lines.push(`GAP: ${entry.gap.from === entry.gap.to ? `event ${entry.gap.from}` : `events ${entry.gap.from}-${entry.gap.to}`} missing`);
  lines.push(`${describeEvent(entry.event)}${entry.duplicate ? ' (again: already shown)' : ''}`);
  return lines;
}

export interface WatchOptions {
  url: string;
  lockId: string;
  deviceKey?: Uint8Array;
  username?: string;
  password?: string;
  ca?: string | Buffer;
  /** A persistent session under this client id: the broker keeps events while nobody watches. */
  session?: string;
  json?: boolean;
  /** Stop after this many events (new ones, not repeats). */
  count?: number;
  /** MQTT 5 (default) or 3.1.1 (4), e.g. for the simulator's in-process broker. */
  protocolVersion?: 4 | 5;
}

export interface Watching {
  trail: EventTrail;
  /** Resolves once subscribed. */
  ready: Promise<void>;
  /** Resolves when `count` events have been shown. */
  done: Promise<void>;
  /** Resolves with the broker's answer when it refuses the connection (a version or credentials it will not take): trying again cannot help. */
  refused: Promise<string>;
  stop(): Promise<void>;
}

/** Subscribe and print; every line goes to `say`. */
export function watchEvents(o: WatchOptions, say: (line: string) => void): Watching {
  const trail = new EventTrail(o.lockId, o.deviceKey);
  const v5 = (o.protocolVersion ?? 5) === 5;
  const client: MqttClient = mqtt.connect(o.url, {
    username: o.username, password: o.password, ca: o.ca, protocolVersion: v5 ? 5 : 4, reconnectPeriod: 1_000,
    ...(o.session ? { clientId: o.session, clean: false, ...(v5 ? { properties: { sessionExpiryInterval: 7 * 86_400 } } : {}) } : {}),
  });
  // A CONNACK with a refusal carries a reason code; a socket error (no broker yet) has none and is retried.
  const refused = new Promise<string>((resolve) =>
    client.on('error', (error: Error & { code?: unknown }) => {
      if (typeof error.code === 'number') resolve(error.message);
    }),
  );
  let shown = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  // Listen before connecting completes: a resumed session's queued events arrive at once.
  client.on('message', (_topic, payload) => {
    const entry = trail.accept(new Uint8Array(payload));
    for (const line of formatEntry(entry, o.json ?? false)) say(line);
    if (entry.kind === 'event' && !entry.duplicate && ++shown === o.count) finish();
  });
  const ready = new Promise<void>((resolve, reject) => {
    client.once('connect', () => client.subscribe(`locks/${o.lockId}/events`, { qos: 1 }, (error) => (error ? reject(error) : resolve())));
    client.once('error', reject);
  });
  return { trail, ready, done, refused, stop: () => new Promise<void>((resolve) => client.end(false, {}, () => resolve())) };
}

export interface WatchValues {
  url?: string;
  lock?: string;
  'device-key'?: string;
  'mqtt-user'?: string;
  'mqtt-password-file'?: string;
  'mqtt-ca'?: string;
  session?: string;
  count?: string;
  json?: boolean;
  'mqtt-version'?: string;
}

/**
 * The command: runs until `--count` events or Ctrl-C. Exit 0; 3 when an event was missing or did
 * not verify; 1 when the broker refuses the connection (retrying cannot help; a missing broker is
 * retried every second).
 */
export async function runWatch(v: WatchValues, say: (line: string) => void): Promise<number> {
  if (!v.url || !/^mqtts?:\/\//.test(v.url)) throw new UsageError('watch needs --url mqtt://HOST:PORT or mqtts://...');
  if (!v.lock) throw new UsageError('watch needs --lock ID');
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      throw new UsageError(`${what}: cannot read ${path}`);
    }
  };
  const count = v.count === undefined ? undefined : Number(v.count);
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) throw new UsageError('--count must be a whole number of events, at least 1');
  const version = v['mqtt-version'] ?? '5';
  if (version !== '4' && version !== '5') throw new UsageError('--mqtt-version must be 4 (MQTT 3.1.1) or 5');
  const watching = watchEvents({
    url: v.url, lockId: v.lock, session: v.session, json: v.json, count, protocolVersion: version === '4' ? 4 : 5,
    deviceKey: v['device-key'] ? hexBytes(v['device-key'], '--device-key', 32) : undefined,
    username: v['mqtt-user'], password: v['mqtt-password-file'] ? read(v['mqtt-password-file'], '--mqtt-password-file').trim() : undefined,
    ca: v['mqtt-ca'] ? read(v['mqtt-ca'], '--mqtt-ca') : undefined,
  }, say);
  if (!v['device-key'] && !v.json) say('(no --device-key: signatures are checked, but not that this lock made them)');
  watching.ready.catch((error: Error) => say(`error: ${error.message} (still trying ${v.url})`));
  let onSigint: () => void = () => {};
  const interrupted = new Promise<void>((resolve) => process.once('SIGINT', (onSigint = resolve)));
  // The refusal keeps nothing running: without it in the race the process would end mid-await.
  const refusal = await Promise.race([watching.done, interrupted, watching.refused]);
  process.off('SIGINT', onSigint);
  await watching.stop();
  if (typeof refusal === 'string') {
    say(`error: ${v.url} refused the connection: ${refusal}${version === '5' ? ' (a broker that speaks only MQTT 3.1.1, like the simulator\'s, needs --mqtt-version 4)' : ''}`);
    return 1;
  }
  return watching.trail.gaps + watching.trail.refused > 0 ? 3 : 0;
}
