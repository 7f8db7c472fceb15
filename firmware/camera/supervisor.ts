// Supervised visits: an access whose grant or role carries obligations (a delivery above all).
// The camera must confirm recording before the bolt moves; the door must be shut and the bolt
// thrown again within the relock deadline; the visit counts as completed only once the limit
// switch says locked and the recording's post-roll is over. Every step is an event, so an owner's
// app can follow a delivery live; what goes wrong is an alarm.
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';
import type { Unsubscribe } from '../../hal/ports/errors.js';
import type { GrantSummary } from '../access/core.js';
import type { Obligations, Role } from '../access/grant.js';
import type { Deadbolt } from '../lock/deadbolt.js';
import type { AlarmKind, VisitAbort, VisitRefusal } from '../reasons.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { Recorder } from './recorder.js';

export interface SupervisionConfig {
  /** Roles whose every access needs the camera recording first (grants may ask for it too). */
  recordRoles: readonly Role[];
  /** Relock deadline for delivery-role access whose grant names none (seconds). */
  deliveryRelockWithinS: number;
  /** Throw the bolt this long after the door shuts during a visit. */
  relockAfterCloseMs: number;
  /** Throw it again this long after an unlock when the door was never opened. */
  relockIfUnopenedMs: number;
}

export const DEFAULT_SUPERVISION: SupervisionConfig = {
  recordRoles: ['delivery'],
  deliveryRelockWithinS: 300,
  relockAfterCloseMs: 3_000,
  relockIfUnopenedMs: 20_000,
};

/** What a visit must satisfy at this lock. */
export interface Needs {
  record: boolean;
  relockWithinS: number | null;
}

export type SupervisionAlarm = Extract<AlarmKind, 'camera-failed' | 'camera-lost' | 'relock-overdue'>;

export interface VisitStart {
  grant: GrantSummary;
  via: string;
}

/** The times of a completed visit (ms since the epoch; null: did not happen). */
export interface VisitTimes {
  recordingStartedAt: number | null;
  unlockedAt: number | null;
  doorOpenedAt: number | null;
  doorClosedAt: number | null;
  relockedAt: number | null;
  recordingStoppedAt: number | null;
}

export type DeliveryEvent =
  | { step: 'started'; visit: number; grant: string; role: Role; issuer: string; via: string; record: boolean; relockWithinS: number | null; label?: string | null }
  | { step: 'recording'; visit: number; grant: string; at: number }
  | { step: 'refused'; visit: number; grant: string; reason: VisitRefusal }
  | { step: 'unlocked'; visit: number; grant: string; at: number }
  | { step: 'relocked'; visit: number; grant: string; at: number; late: boolean }
  | { step: 'aborted'; visit: number; grant: string; reason: VisitAbort }
  | ({ step: 'completed'; visit: number; grant: string; role: Role; issuer: string; late: boolean; cameraLost: boolean; via?: string; label?: string | null } & VisitTimes);

export interface SupervisorEvents {
  delivery: DeliveryEvent;
  alarm: { kind: SupervisionAlarm; active: boolean; grant: string | null };
}

/** Why a visit did not open: the camera, or whatever `open()` refused. */
export type VisitOutcome = { allow: true } | { allow: false; reason: VisitRefusal };

interface Visit extends VisitTimes {
  n: number;
  start: VisitStart;
  needs: Needs;
  holdsCamera: boolean;
  deadline: TimerHandle | null;
  relock: TimerHandle | null;
  overdue: boolean;
  cameraLost: boolean;
  relocked: boolean;
}

export class VisitSupervisor {
  readonly events = new TypedEmitter<SupervisorEvents>();
  readonly activeAlarms = new Set<SupervisionAlarm>();
  private readonly visits = new Set<Visit>();
  private counter = 0;
  private readonly subscriptions: Unsubscribe[] = [];

  constructor(
    private readonly deps: { deadbolt: Deadbolt; clock: Clock; recorder: Recorder | null },
    private readonly config: SupervisionConfig = DEFAULT_SUPERVISION,
  ) {
    const { deadbolt, recorder } = deps;
    this.subscriptions.push(
      deadbolt.events.on('state', (e) => this.onBolt(e.to)),
      deadbolt.events.on('operation', (e) => {
        if (e.op === 'unlock' && e.outcome !== 'done' && e.outcome !== 'preempted') this.abortWaiting(`unlock-${e.outcome}` as const);
      }),
      deadbolt.events.on('door', (e) => this.onDoor(e.state)),
    );
    if (recorder) {
      this.subscriptions.push(
        recorder.events.on('health', (e) => {
          const holders = [...this.visits].filter((v) => v.holdsCamera);
          if (e.alive) this.alarm('camera-lost', false, null);
          else if (holders.length > 0) {
            for (const v of holders) v.cameraLost = true;
            this.alarm('camera-lost', true, holders[0]!.start.grant.id);
          }
        }),
        recorder.events.on('recording', (e) => {
          if (!e.active) return;
          this.alarm('camera-failed', false, null);
          this.alarm('camera-lost', false, null);
        }),
      );
    }
  }

  /** Number of visits under way (waiting for the camera, inside, or in the post-roll). */
  get active(): number {
    return this.visits.size;
  }

  /** What an allowed access must satisfy here; null when it is not supervised. */
  needs(grant: GrantSummary, obligations: Obligations): Needs | null {
    const record = obligations.record || this.config.recordRoles.includes(grant.role);
    const relockWithinS = obligations.relockWithinS ?? (grant.role === 'delivery' ? this.config.deliveryRelockWithinS : null);
    return record || relockWithinS !== null ? { record, relockWithinS } : null;
  }

  /**
   * Run a supervised access: the camera first (if needed), then `open()` (commit uses, move the
   * bolt; returns a refusal reason or null), then follow the visit to its relock. `done` is called
   * once, when the bolt is asked to move or the visit is refused.
   */
  begin(start: VisitStart, needs: Needs, open: () => VisitRefusal | null, done: (outcome: VisitOutcome) => void): void {
    const visit: Visit = {
      n: ++this.counter, start, needs, holdsCamera: false, deadline: null, relock: null, overdue: false, cameraLost: false, relocked: false,
      recordingStartedAt: null, unlockedAt: null, doorOpenedAt: null, doorClosedAt: null, relockedAt: null, recordingStoppedAt: null,
    };
    const grant = start.grant.id;
    this.emit({ step: 'started', visit: visit.n, grant, role: start.grant.role, issuer: start.grant.issuer, via: start.via, record: needs.record, relockWithinS: needs.relockWithinS, label: start.grant.label ?? null });
    const refuse = (reason: VisitRefusal) => {
      this.emit({ step: 'refused', visit: visit.n, grant, reason });
      done({ allow: false, reason });
    };
    const proceed = () => {
      const refusal = open();
      if (refusal) {
        if (visit.holdsCamera) this.deps.recorder!.release(this.holder(visit));
        refuse(refusal);
        return;
      }
      this.visits.add(visit);
      if (needs.relockWithinS !== null) visit.deadline = this.deps.clock.after(needs.relockWithinS * 1000, () => this.overdue(visit));
      // The bolt may already be withdrawn (the door was open for someone else): the visit starts now.
      if (this.deps.deadbolt.current === 'unlocked') this.onUnlocked(visit);
      done({ allow: true });
    };
    if (!needs.record) {
      proceed();
      return;
    }
    const recorder = this.deps.recorder;
    if (!recorder) {
      this.alarm('camera-failed', true, grant);
      refuse('recording-unavailable');
      return;
    }
    visit.holdsCamera = true;
    recorder.acquire(this.holder(visit), (at) => {
      if (at === null) {
        visit.holdsCamera = false;
        this.alarm('camera-failed', true, grant);
        refuse('recording-unavailable');
        return;
      }
      visit.recordingStartedAt = at;
      this.emit({ step: 'recording', visit: visit.n, grant, at });
      proceed();
    });
  }

  /**
   * Check the camera now (an installer or the owner asks, e.g. after repairing it): hold it until
   * it confirms recording or the confirmation time runs out. A confirmation clears camera-failed.
   */
  checkCamera(done: (ok: boolean) => void = () => {}): void {
    const recorder = this.deps.recorder;
    if (!recorder) return done(false);
    recorder.acquire('camera-check', (at) => {
      if (at !== null) recorder.release('camera-check');
      done(at !== null);
    });
  }

  close(): void {
    for (const off of this.subscriptions.splice(0)) off();
    for (const v of this.visits) {
      v.deadline?.cancel();
      v.relock?.cancel();
    }
    this.visits.clear();
  }

  private holder(visit: Visit): string {
    return `visit-${visit.n}`;
  }

  private onBolt(state: string): void {
    const now = this.deps.clock.now();
    for (const v of this.visits) {
      if (v.relocked) continue;
      if (state === 'unlocked' && v.unlockedAt === null) this.onUnlocked(v);
      else if (state === 'locked' && v.unlockedAt !== null) this.onRelocked(v, now);
    }
  }

  private onUnlocked(v: Visit): void {
    v.unlockedAt = this.deps.clock.now();
    this.emit({ step: 'unlocked', visit: v.n, grant: v.start.grant.id, at: v.unlockedAt });
    if (this.deps.deadbolt.doorState === 'closed') this.scheduleRelock(v, this.config.relockIfUnopenedMs);
  }

  private onDoor(state: 'open' | 'closed'): void {
    const now = this.deps.clock.now();
    for (const v of this.visits) {
      if (v.relocked || v.unlockedAt === null) continue;
      if (state === 'open') {
        v.doorOpenedAt ??= now;
        v.relock?.cancel();
        v.relock = null;
      } else {
        v.doorClosedAt = now;
        this.scheduleRelock(v, this.config.relockAfterCloseMs);
      }
    }
  }

  private scheduleRelock(v: Visit, afterMs: number): void {
    v.relock?.cancel();
    v.relock = this.deps.clock.after(afterMs, () => {
      v.relock = null;
      if (this.deps.deadbolt.current !== 'locked') this.deps.deadbolt.lock('auto-relock');
    });
  }

  private onRelocked(v: Visit, at: number): void {
    v.relocked = true;
    v.relockedAt = at;
    v.deadline?.cancel();
    v.relock?.cancel();
    const grant = v.start.grant.id;
    this.emit({ step: 'relocked', visit: v.n, grant, at, late: v.overdue });
    if (v.overdue && ![...this.visits].some((o) => o.overdue && !o.relocked)) this.alarm('relock-overdue', false, grant);
    const complete = (stoppedAt: number | null) => {
      this.visits.delete(v);
      v.recordingStoppedAt = stoppedAt;
      const { grant: g } = v.start;
      this.emit({
        step: 'completed', visit: v.n, grant, role: g.role, issuer: g.issuer, via: v.start.via, label: g.label ?? null, late: v.overdue, cameraLost: v.cameraLost,
        recordingStartedAt: v.recordingStartedAt, unlockedAt: v.unlockedAt, doorOpenedAt: v.doorOpenedAt, doorClosedAt: v.doorClosedAt,
        relockedAt: v.relockedAt, recordingStoppedAt: v.recordingStoppedAt,
      });
    };
    if (v.holdsCamera) this.deps.recorder!.release(this.holder(v), complete);
    else complete(null);
  }

  private overdue(v: Visit): void {
    v.deadline = null;
    if (v.relocked) return;
    v.overdue = true;
    this.alarm('relock-overdue', true, v.start.grant.id);
  }

  /** The bolt never opened for the visits waiting on it (jammed, sensor fault): end them. */
  private abortWaiting(reason: VisitAbort): void {
    for (const v of [...this.visits]) {
      if (v.unlockedAt !== null || v.relocked) continue;
      this.visits.delete(v);
      v.deadline?.cancel();
      v.relock?.cancel();
      if (v.holdsCamera) this.deps.recorder!.release(this.holder(v));
      this.emit({ step: 'aborted', visit: v.n, grant: v.start.grant.id, reason });
    }
  }

  private alarm(kind: SupervisionAlarm, active: boolean, grant: string | null): void {
    if (this.activeAlarms.has(kind) === active) return;
    if (active) this.activeAlarms.add(kind);
    else this.activeAlarms.delete(kind);
    this.events.emit('alarm', { kind, active, grant });
  }

  private emit(event: DeliveryEvent): void {
    this.events.emit('delivery', event);
  }
}
