// The MQTT link: one client per lock (client id = lock id), MQTT 5 by default, a persistent
// session, last will "offline". Handlers are attached before connecting (MQTT.js #1124: a resumed
// session's queued messages are otherwise acknowledged and lost), and a message is acknowledged
// only after its handler has applied it durably. Reconnects back off exponentially with jitter;
// `sessionPresent: false` means the broker forgot us, so we resubscribe and republish. Events go
// out from the durable outbox and are marked delivered only on PUBACK.
import type { Duplex } from 'node:stream';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';
import type { RandomSource } from '../../hal/ports/random.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { Outbox, OutboxEvent } from './outbox.js';
import { limitIncomingPackets } from './packet-limit.js';

export interface LinkOptions {
  url: string;
  lockId: string;
  username?: string;
  password?: string;
  /** CA certificate(s) for TLS; client certificate and key when the broker wants them. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  protocolVersion?: 4 | 5;
  sessionExpirySec?: number;
  backoff?: { minMs: number; maxMs: number };
  /**
   * After an inbound message could not be applied (storage failed): how soon the link reconnects so
   * that the broker sends it again (MQTT resends unacknowledged messages only on a new connection),
   * doubling while it keeps failing. Default 2 s to 60 s.
   */
  redelivery?: { minMs: number; maxMs: number };
  /** Largest packet accepted from the broker (default 1 MiB), under MQTT 5 and 3.1.1 alike. */
  maxPacketBytes?: number;
  /** Whether the lock wants the retained revocation list and heartbeat sent again (it lost its copy). */
  needsRetained?: () => boolean;
  clock: Clock;
  random: RandomSource;
}

/** What the lock does with each inbound topic. Return when applied durably; throw to leave it unacknowledged. */
/**
 * A handler applies a message durably before it returns (throwing leaves it unacknowledged); it may
 * return work to run after the acknowledgement, off the critical path (its outcome event).
 */
export type AfterAck = void | (() => void);

export interface LinkHandlers {
  revocations(payload: Uint8Array): AfterAck;
  heartbeat(payload: Uint8Array): void;
  grants(payload: Uint8Array): void;
  commands(payload: Uint8Array): void;
  /** Home Assistant's lock/unlock (plain JSON, not signed), when Home Assistant is enabled. */
  haCommand?(payload: Uint8Array): void;
  /** Home Assistant's mode select (plain JSON), only with `homeAssistant.modeControl`. */
  haMode?(payload: Uint8Array): void;
}

export interface LinkEvents {
  connected: { sessionPresent: boolean };
  disconnected: { reconnectInMs: number };
  /** A signed event the broker acknowledged, with its bytes (for the readable activity topic). */
  delivered: { seq: number; bytes: Uint8Array };
  /** Work after an acknowledgement failed (an outcome event not written: storage fault). */
  'after-ack-failed': { topic: string; error: string };
  /** An incoming packet over the limit: the connection was dropped before its body was read. */
  'packet-refused': { bytes: number; limit: number };
  /** The outbox could not be read (storage fault): nothing was published; tried again at the next append or connection. */
  'flush-failed': { error: unknown };
  /** An inbound message could not be applied durably (storage fault): left unacknowledged, asked for again after `retryInMs`. */
  'apply-failed': { topic: string; error: unknown; retryInMs: number };
}

const INBOUND = ['revocations', 'heartbeat', 'grants', 'commands', 'ha/command', 'ha/mode'] as const;
const HANDLER: Record<(typeof INBOUND)[number], keyof LinkHandlers> = {
  revocations: 'revocations', heartbeat: 'heartbeat', grants: 'grants', commands: 'commands', 'ha/command': 'haCommand', 'ha/mode': 'haMode',
};
const WINDOW = 32;

export class MqttLink {
  readonly events = new TypedEmitter<LinkEvents>();
  private client: MqttClient | null = null;
  private attempt = 0;
  private retry: TimerHandle | null = null;
  /** The reconnect that has the broker send an unapplied message again; failures in a row, and when the last was. */
  private resend: TimerHandle | null = null;
  private unapplied = 0;
  private lastUnappliedAt = Number.NEGATIVE_INFINITY;
  private readonly inFlight = new Set<number>();
  private stopped = false;

  constructor(
    private readonly o: LinkOptions,
    private readonly handlers: LinkHandlers,
    private readonly outbox: Outbox,
  ) {
    outbox.onAppend(() => this.flush());
  }

  topic(name: string): string {
    return `locks/${this.o.lockId}/${name}`;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(): void {
    const options: IClientOptions = {
      clientId: this.o.lockId,
      username: this.o.username,
      password: this.o.password,
      ca: this.o.ca,
      cert: this.o.cert,
      key: this.o.key,
      protocolVersion: this.o.protocolVersion ?? 5,
      clean: false,
      reconnectPeriod: 0, // we reconnect ourselves, with backoff and jitter
      manualConnect: true,
      will: { topic: this.topic('status'), payload: Buffer.from('offline'), qos: 1, retain: true },
      properties: (this.o.protocolVersion ?? 5) === 5 ? { sessionExpiryInterval: this.o.sessionExpirySec ?? 7 * 86_400, maximumPacketSize: this.o.maxPacketBytes ?? 1 << 20 } : undefined,
    };
    const client = mqtt.connect(this.o.url, options);
    this.client = client;
    this.limitPackets(client);
    // Everything is attached before the first connect.
    client.handleMessage = (packet: IPublishPacket, done: (error?: Error) => void) => this.onMessage(packet, done);
    client.on('connect', (connack) => this.onConnect(connack.sessionPresent));
    client.on('close', () => this.onClose());
    client.on('error', () => {}); // a refused or broken connection ends in 'close', where we retry
    client.connect();
  }

  /**
   * Under MQTT 3.1.1 (no negotiated maximum) every connection's incoming bytes are watched for an
   * oversize packet (packet-limit.ts). Under MQTT 5 the broker must not send more than the
   * maximumPacketSize we announce, and MQTT.js drops a larger packet itself.
   */
  private limitPackets(client: MqttClient): void {
    if ((this.o.protocolVersion ?? 5) === 5) return;
    const limit = this.o.maxPacketBytes ?? 1 << 20;
    const inner = client as unknown as { streamBuilder: (c: MqttClient) => Duplex };
    const build = inner.streamBuilder;
    inner.streamBuilder = (c) => {
      const stream = build(c);
      limitIncomingPackets(stream, limit, (e) => this.events.emit('packet-refused', { bytes: e.bytes, limit }));
      return stream;
    };
  }

  /** Publish what the outbox holds, a window at a time; each is marked delivered on its PUBACK. */
  flush(): void {
    const client = this.client;
    if (!client?.connected) return;
    let pending: OutboxEvent[];
    try {
      pending = this.outbox.pending(WINDOW + this.inFlight.size);
    } catch (error) {
      this.events.emit('flush-failed', { error });
      return;
    }
    for (const event of pending) {
      if (this.inFlight.size >= WINDOW) break;
      if (this.inFlight.has(event.seq)) continue;
      this.inFlight.add(event.seq);
      client.publish(this.topic('events'), Buffer.from(event.bytes), { qos: 1 }, (error) => {
        this.inFlight.delete(event.seq);
        if (error) return; // not acknowledged: it stays in the outbox for the next connection
        try {
          this.outbox.ack(event.seq);
        } catch {
          return; // could not record the delivery: it stays pending and goes again (consumers dedupe by sequence)
        }
        this.events.emit('delivered', { seq: event.seq, bytes: event.bytes });
        this.flush();
      });
    }
  }

  /** Publish a retained message (state, discovery) when connected; QoS 1. */
  publishRetained(topic: string, payload: string): void {
    void this.publish(topic, payload, true);
  }

  /**
   * Publish at QoS 1 when connected (activity, Home Assistant events); an empty retained payload
   * clears a topic. Resolves true on the broker's PUBACK, false when not connected or refused.
   */
  publish(topic: string, payload: string, retain = false): Promise<boolean> {
    const client = this.client;
    if (!client?.connected) return Promise.resolve(false);
    return new Promise((resolve) => client.publish(topic, payload, { qos: 1, retain }, (error) => resolve(!error)));
  }

  /** Say "offline" and disconnect; resolves within 3 s whatever the connection's state. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.retry?.cancel();
    this.resend?.cancel();
    const client = this.client;
    if (!client) return;
    await new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        force.cancel();
        resolve();
      };
      const force = this.o.clock.after(3000, () => {
        client.end(true);
        finish();
      });
      if (client.connected) {
        // The will is for crashes; a clean stop says "offline" itself.
        client.publish(this.topic('status'), 'offline', { qos: 1, retain: true }, () => client.end(false, {}, finish));
      } else {
        client.end(true, {}, finish);
      }
    });
  }

  private onConnect(sessionPresent: boolean): void {
    this.attempt = 0;
    const client = this.client!;
    // Small MQTT packets must not wait for Nagle's algorithm (a 40 ms stall with delayed ACKs).
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    // A new session (first connect, or the broker forgot us): subscribe again. Retained
    // revocations and heartbeats arrive again with it: a full resynchronisation.
    if (!sessionPresent) client.subscribe(INBOUND.map((t) => this.topic(t)), { qos: 1 });
    // The lock lost its copy of the owner's retained state (a damaged snapshot): subscribing again
    // makes the broker send the retained list and heartbeat again, even on a resumed session.
    else if (this.o.needsRetained?.()) client.subscribe([this.topic('revocations'), this.topic('heartbeat')], { qos: 1 });
    client.publish(this.topic('status'), 'online', { qos: 1, retain: true });
    this.events.emit('connected', { sessionPresent });
    this.inFlight.clear();
    this.flush();
  }

  /**
   * The broker resends an unacknowledged message only on a new connection: after a delay (growing
   * while storage keeps failing) the link disconnects cleanly (no last will) and reconnects.
   */
  private askAgain(topic: string, error: unknown): void {
    const { minMs, maxMs } = this.o.redelivery ?? { minMs: 2_000, maxMs: 60_000 };
    // "In a row": failures further apart than the longest delay start again from the shortest.
    const now = this.o.clock.now();
    if (now - this.lastUnappliedAt > 2 * maxMs) this.unapplied = 0;
    this.lastUnappliedAt = now;
    const ceiling = Math.min(maxMs, minMs * 2 ** this.unapplied);
    const delay = Math.round(ceiling / 2 + this.o.random.float() * (ceiling / 2));
    this.unapplied = Math.min(this.unapplied + 1, 30);
    this.events.emit('apply-failed', { topic, error, retryInMs: delay });
    if (this.resend) return;
    this.resend = this.o.clock.after(delay, () => {
      this.resend = null;
      const client = this.client;
      // Not connected: the next connection brings it anyway. Else 'close' follows and onClose reconnects.
      if (!this.stopped && client?.connected) client.end(false);
    });
  }

  private onClose(): void {
    this.inFlight.clear();
    if (this.stopped) return;
    this.retry?.cancel();
    const { minMs, maxMs } = this.o.backoff ?? { minMs: 500, maxMs: 60_000 };
    const ceiling = Math.min(maxMs, minMs * 2 ** this.attempt);
    const delay = Math.round(ceiling / 2 + this.o.random.float() * (ceiling / 2)); // "equal jitter"
    this.attempt = Math.min(this.attempt + 1, 30);
    this.events.emit('disconnected', { reconnectInMs: delay });
    this.retry = this.o.clock.after(delay, () => {
      this.retry = null;
      if (!this.stopped) this.client?.reconnect();
    });
  }

  private onMessage(packet: IPublishPacket, done: (error?: Error) => void): void {
    const name = packet.topic.slice(this.topic('').length);
    const handler = (INBOUND as readonly string[]).includes(name) ? this.handlers[HANDLER[name as (typeof INBOUND)[number]]] : undefined;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    let after: AfterAck = undefined;
    try {
      if (handler && payload.length > 0) after = handler.call(this.handlers, new Uint8Array(payload));
    } catch (error) {
      // Not applied (storage failed): no PUBACK. Passing the error on lets MQTT.js read the packets
      // behind this one (a revocation list, PUBACKs of events, PINGRESP) instead of stalling on it.
      done(error instanceof Error ? error : new Error(String(error)));
      this.askAgain(name, error);
      return;
    }
    done(); // applied durably, or nothing to apply: now MQTT.js sends the PUBACK
    if (after) {
      const work = after;
      setImmediate(() => {
        try {
          work();
        } catch (error) {
          this.events.emit('after-ack-failed', { topic: name, error: error instanceof Error ? error.message : String(error) });
        }
      });
    }
  }
}
