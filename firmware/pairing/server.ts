// The installer's end of the serial line. Frames in (junk dropped and counted), one request at a
// time, a typed reply to each. Physical presence gates everything that changes the lock: `pair`,
// `set-time` and `self-test` work while the lock is unpaired or within a window after the pair
// button was pressed (or after a pairing, so the installer can go on to the self-test);
// `factory-reset` needs the button held down. Nothing here knows the board or the transport.
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';
import type { Unsubscribe } from '../../hal/ports/errors.js';
import type { PairButton } from '../../hal/ports/pair-button.js';
import type { SerialLink } from '../../hal/ports/serial-link.js';
import { encodeFrame, FrameDecoder, type FrameCounters } from './framing.js';
import { encodeReply, type Op, type PairingErrorCode, parseRequest, PROTOCOL_VERSION, type Reply, type Request } from './protocol.js';
import { TypedEmitter } from '../util/typed-emitter.js';

export interface PairingOptions {
  /** How long after a press of the pair button (or a pairing) the lock accepts changes. */
  windowMs: number;
  /** How long the button must have been held when a factory reset arrives. */
  factoryResetHoldMs: number;
  /** An unfinished frame is dropped after this much silence. */
  idleTimeoutMs: number;
}

export const DEFAULT_PAIRING: PairingOptions = { windowMs: 120_000, factoryResetHoldMs: 5_000, idleTimeoutMs: 5_000 };

/** A refusal a handler raises: becomes a typed error reply. */
export class PairingError extends Error {
  override readonly name = 'PairingError';
  constructor(
    readonly code: PairingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What the server asks of the lock; each may throw PairingError. */
export interface PairingHandlers {
  paired(): boolean;
  info(): Map<string, unknown>;
  pair(body: Map<string, unknown>): Promise<Map<string, unknown>>;
  setTime(body: Map<string, unknown>): Promise<Map<string, unknown>>;
  selfTest(body: Map<string, unknown>): Promise<Map<string, unknown>>;
  factoryReset(): Promise<Map<string, unknown>>;
}

export interface PairingCounters extends FrameCounters {
  /** Frames whose CBOR was not a request. */
  malformed: number;
  requests: number;
  /** Requests answered with an error. */
  refused: number;
  /** Replies that could not be written (the line went away). */
  writeFailures: number;
}

export interface PairingEvents {
  window: { open: boolean; untilMs: number | null; reason: 'button' | 'paired' };
  /** The button has been held long enough for a factory reset. */
  held: { forMs: number };
  request: { op: Op | null; ok: boolean; code: PairingErrorCode | null };
}

export class PairingServer {
  readonly events = new TypedEmitter<PairingEvents>();
  private readonly decoder: FrameDecoder;
  private readonly extra = { malformed: 0, requests: 0, refused: 0, writeFailures: 0 };
  private windowUntil = 0;
  private pressedSince: number | null = null;
  private busy = false;
  private idle: TimerHandle | null = null;
  private readonly subscriptions: Unsubscribe[] = [];
  private closed = false;

  constructor(
    private readonly deps: { link: SerialLink; clock: Clock; pairButton?: PairButton; handlers: PairingHandlers },
    private readonly options: PairingOptions = DEFAULT_PAIRING,
  ) {
    this.decoder = new FrameDecoder((payload) => this.onFrame(payload));
    this.subscriptions.push(deps.link.onData((chunk) => this.onData(chunk)));
    if (deps.pairButton) {
      if (deps.pairButton.isPressed()) this.pressedSince = deps.clock.now();
      this.subscriptions.push(deps.pairButton.onChange((pressed) => this.onButton(pressed)));
    }
  }

  get counters(): PairingCounters {
    return { ...this.decoder.counters, ...this.extra };
  }

  /** Whether a change (pair, set-time, self-test) would be accepted now. */
  get windowOpen(): boolean {
    return this.deps.clock.now() < this.windowUntil;
  }

  close(): void {
    this.closed = true;
    this.idle?.cancel();
    this.holdTimer?.cancel();
    for (const off of this.subscriptions.splice(0)) off();
  }

  private onButton(pressed: boolean): void {
    const now = this.deps.clock.now();
    this.holdTimer?.cancel();
    this.holdTimer = null;
    if (!pressed) {
      this.pressedSince = null;
      return;
    }
    this.pressedSince = now;
    this.openWindow('button');
    this.holdTimer = this.deps.clock.after(this.options.factoryResetHoldMs, () => {
      this.holdTimer = null;
      if (this.deps.pairButton?.isPressed()) this.events.emit('held', { forMs: this.options.factoryResetHoldMs });
    });
  }

  private holdTimer: TimerHandle | null = null;

  private openWindow(reason: 'button' | 'paired'): void {
    this.windowUntil = this.deps.clock.now() + this.options.windowMs;
    this.events.emit('window', { open: true, untilMs: this.windowUntil, reason });
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    this.decoder.push(chunk);
    this.idle?.cancel();
    this.idle = this.decoder.partial > 0 ? this.deps.clock.after(this.options.idleTimeoutMs, () => this.decoder.discardPartial()) : null;
  }

  private onFrame(payload: Uint8Array): void {
    const parsed = parseRequest(payload);
    if (!parsed.ok) {
      if (parsed.id === null) {
        this.extra.malformed++; // no id to answer to: dropped and counted
        return;
      }
      this.extra.requests++;
      this.refuse(parsed.id, null, parsed.code, parsed.message);
      return;
    }
    this.extra.requests++;
    const { request } = parsed;
    if (this.busy) {
      this.refuse(request.id, request.op, 'busy', 'the lock is still answering the previous request');
      return;
    }
    const gate = this.gate(request.op);
    if (gate) {
      this.refuse(request.id, request.op, gate.code, gate.message);
      return;
    }
    this.busy = true;
    this.handle(request).then(
      (body) => {
        this.busy = false;
        if (request.op === 'pair') this.openWindow('paired'); // the installer goes on to the self-test
        if (request.op === 'factory-reset') this.windowUntil = 0;
        this.events.emit('request', { op: request.op, ok: true, code: null });
        this.send({ v: PROTOCOL_VERSION, id: request.id, ok: true, body });
      },
      (error: unknown) => {
        this.busy = false;
        const e = error instanceof PairingError ? error : new PairingError('internal', `the lock failed: ${(error as Error)?.message ?? String(error)}`);
        this.refuse(request.id, request.op, e.code, e.message);
      },
    );
  }

  /** Physical presence: why this op may not run now, or null. */
  private gate(op: Op): { code: PairingErrorCode; message: string } | null {
    if (op === 'info') return null;
    if (op === 'factory-reset') {
      const held = this.pressedSince !== null && this.deps.pairButton?.isPressed() === true ? this.deps.clock.now() - this.pressedSince : 0;
      if (held >= this.options.factoryResetHoldMs) return null;
      return { code: 'button-not-held', message: `hold the pair button down for ${Math.ceil(this.options.factoryResetHoldMs / 1000)} s and keep holding it while the reset is sent` };
    }
    if (!this.deps.handlers.paired() || this.windowOpen) return null;
    return {
      code: 'not-in-pairing-window',
      message: `the lock is paired: press its pair button, then try again within ${Math.round(this.options.windowMs / 1000)} s`,
    };
  }

  private handle(request: Request): Promise<Map<string, unknown>> {
    const h = this.deps.handlers;
    switch (request.op) {
      case 'info':
        return Promise.resolve(new Map([...h.info(), ['pairingWindow', this.windowOpen]]));
      case 'pair':
        return h.pair(request.body);
      case 'set-time':
        return h.setTime(request.body);
      case 'self-test':
        return h.selfTest(request.body);
      case 'factory-reset':
        return h.factoryReset();
    }
  }

  private refuse(id: number, op: Op | null, code: PairingErrorCode, message: string): void {
    this.extra.refused++;
    this.events.emit('request', { op, ok: false, code });
    this.send({ v: PROTOCOL_VERSION, id, ok: false, error: { code, message } });
  }

  private send(reply: Reply): void {
    if (this.closed) return;
    this.deps.link.write(encodeFrame(encodeReply(reply))).catch(() => {
      this.extra.writeFailures++;
    });
  }
}
