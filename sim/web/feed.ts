// What the stream carries: the world's state and the lock's (sent when they change), and every
// event, kept in a short history so a page that (re)connects sees the recent timeline at once.
import type { App } from '../../firmware/app.js';
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';
import type { SimControl, WorldSnapshot } from '../control/control.js';
import { decodeEvent, type StreamEvent } from './events.js';

export interface LockSnapshot {
  state: string;
  door: 'open' | 'closed';
  alarms: string[];
  mode: string | null;
  paired: boolean;
}

export interface StateMessage {
  /** This run of the simulator: a page seeing a new one starts its timeline afresh. */
  run: string;
  board: string;
  enclosure: 'door' | 'parcel-box';
  keypad: boolean;
  world: WorldSnapshot;
  lock: LockSnapshot;
}

export type FeedMessage = { kind: 'state'; state: StateMessage } | { kind: 'event'; event: StreamEvent };

export interface FeedOptions {
  control: SimControl;
  /** The lock's services now (rebuilt after a pairing). */
  lock: () => App;
  clock: Clock;
  board: string;
  run: string;
  /** The device key that signs events; null when unknown (any valid signature is shown as such). */
  deviceKey: () => Uint8Array | null;
  /** How often the state is compared and sent when it changed. */
  tickMs?: number;
  historySize?: number;
}

export class Feed {
  private readonly clients = new Set<(m: FeedMessage) => void>();
  private readonly events: StreamEvent[] = [];
  private ticker: TimerHandle | null = null;
  private lastState = '';
  private localSeq = 0;
  private watched: App | null = null;
  private unwatch: (() => void)[] = [];
  /** Signed events arrive (from MQTT): in-process events are then not repeated. */
  signedSource = false;

  constructor(private readonly o: FeedOptions) {
    this.watch(o.lock());
  }

  state(): StateMessage {
    const { control, lock } = this.o;
    const app = lock();
    this.watch(app);
    const profile = control.board.profile;
    return {
      run: this.o.run,
      board: this.o.board,
      enclosure: profile.enclosure === 'parcel-box' ? 'parcel-box' : 'door',
      keypad: control.board.keypad !== null,
      world: control.snapshot(),
      lock: {
        state: app.deadbolt.current,
        door: app.deadbolt.doorState,
        alarms: [...app.deadbolt.activeAlarms, ...(app.supervisor?.activeAlarms ?? [])],
        mode: app.local?.mode ?? null,
        paired: app.local !== null,
      },
    };
  }

  history(): StreamEvent[] {
    return [...this.events];
  }

  /** A signed event's bytes, as published. */
  addSigned(bytes: Uint8Array): void {
    const event = decodeEvent(bytes, this.o.deviceKey());
    if (event) this.push(event);
  }

  subscribe(client: (m: FeedMessage) => void): () => void {
    this.clients.add(client);
    client({ kind: 'state', state: this.state() });
    this.ticker ??= this.o.clock.every(this.o.tickMs ?? 50, () => this.tick());
    return () => {
      this.clients.delete(client);
      if (this.clients.size === 0) {
        this.ticker?.cancel();
        this.ticker = null;
        this.lastState = '';
      }
    };
  }

  close(): void {
    this.ticker?.cancel();
    this.ticker = null;
    this.clients.clear();
    for (const off of this.unwatch) off();
  }

  private tick(): void {
    const state = this.state();
    const text = JSON.stringify(state);
    if (text === this.lastState) return;
    this.lastState = text;
    for (const client of this.clients) client({ kind: 'state', state });
  }

  private push(event: StreamEvent): void {
    this.events.push(event);
    if (this.events.length > (this.o.historySize ?? 200)) this.events.shift();
    this.tick(); // the state an event speaks of goes first
    for (const client of this.clients) client({ kind: 'event', event });
  }

  /** Without signed events (no MQTT), show the lock's in-process events, marked unsigned. */
  private watch(app: App): void {
    if (this.watched === app) return;
    for (const off of this.unwatch) off();
    this.watched = app;
    const local = (type: string) => (data: object) => {
      if (this.signedSource) return;
      this.push({ seq: ++this.localSeq, at: this.o.clock.now(), type, data: { ...data }, signed: null });
    };
    const d = app.deadbolt.events;
    this.unwatch = [
      d.on('state', local('bolt')), d.on('operation', local('operation')), d.on('door', local('door')),
      d.on('alarm', local('alarm')), d.on('manual', local('manual')),
      ...(app.local ? [app.local.events.on('access', local('access')), app.local.events.on('mode', local('mode')), app.local.events.on('lockout', local('keypad-lockout'))] : []),
      ...(app.supervisor ? [app.supervisor.events.on('delivery', local('delivery')), app.supervisor.events.on('alarm', local('alarm'))] : []),
    ];
  }
}
