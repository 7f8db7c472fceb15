// Every closed set of reasons, causes and outcomes the lock puts in a decision, a reply or a signed
// event. docs/PROTOCOL.md §8 lists exactly these (tests/unit/reasons.test.ts reads both): adding
// one is a line here and a line in the matching §8 table. Nothing here imports anything.

/** Why the access core refuses a presentation or an entered credential (PIN, tracking number). */
export const DECISION_REASONS = [
  'too-large', 'malformed', 'chain-too-long', 'not-a-grant', 'unsupported-alg', 'bad-signature', 'unknown-issuer',
  'broken-chain', 'delegation-widens', 'wrong-lock', 'not-yet-valid', 'expired', 'outside-schedule', 'revoked-grant',
  'revoked-holder', 'revoked-issuer', 'revocations-stale', 'holder-proof-missing', 'bad-proof', 'challenge-unknown',
  'challenge-expired', 'challenge-replayed', 'uses-exhausted', 'store-failure', 'unknown-code', 'uses-unproven',
  'grant-superseded', 'bad-issuer-key',
] as const;
export type DecisionReason = (typeof DECISION_REASONS)[number];

/** Refusals the door adds to the core's: lockout, mode, camera, an unpaired keypad, a role that may not unlock remotely. */
export const DOOR_REASONS = ['keypad-locked-out', 'refused-by-mode', 'recording-unavailable', 'not-paired', 'role-not-allowed'] as const;
export type DoorReason = (typeof DOOR_REASONS)[number];

/** The `reason` of an `access` event: `ok`, or a decision or door refusal. */
export type AccessReason = 'ok' | DecisionReason | DoorReason;

/** Why a revocation list or heartbeat is refused (`revocations` and `heartbeat` events). */
export const UPDATE_REASONS = ['too-large', 'malformed', 'wrong-type', 'unsupported-alg', 'bad-signature', 'not-owner', 'wrong-lock', 'rollback', 'store-failure'] as const;
export type UpdateReason = (typeof UPDATE_REASONS)[number];

/** Why a pushed grant, delegation or chain is not stored (`grant-stored` events). */
export const GRANT_STORE_REASONS = [
  'too-large', 'malformed', 'chain-too-long', 'not-a-grant', 'unsupported-alg', 'bad-signature', 'unknown-issuer',
  'broken-chain', 'delegation-widens', 'wrong-lock', 'expired', 'revoked-grant', 'revoked-holder',
  'revoked-issuer', 'store-full', 'store-failure', 'grant-superseded', 'grant-id-taken', 'credential-taken',
  'bad-issuer-key',
] as const;
export type GrantStoreReason = (typeof GRANT_STORE_REASONS)[number];

/** Why the deadbolt does not start a movement asked of it. */
export const BOLT_REFUSALS = ['door-open', 'busy', 'stopped'] as const;
export type BoltRefusal = (typeof BOLT_REFUSALS)[number];

/** Why a signed remote command is refused, once it is signed and for this lock (`command` events). */
export const COMMAND_REASONS = [
  'too-large', 'malformed', 'wrong-type', 'unsupported-alg', 'bad-signature', 'not-owner', 'wrong-lock', 'expired',
  'not-yet-valid', 'replayed', 'unknown-mode', 'refused-by-mode', 'door-open', 'busy', 'stopped', 'store-failure',
] as const;
export type CommandReason = (typeof COMMAND_REASONS)[number];

/** Why a Home Assistant command is refused (`ha-command` events): its own, a bolt refusal, or an access reason. */
export const HA_COMMAND_REASONS = ['unknown-action', 'door-open', 'busy', 'stopped', 'code-required', 'code-refused'] as const;
export type HaCommandReason = (typeof HA_COMMAND_REASONS)[number] | Exclude<AccessReason, 'ok'>;

/** Why a supervised visit is refused (`delivery` step `refused`). */
export const VISIT_REFUSALS = ['recording-unavailable', 'uses-exhausted', 'store-failure'] as const;
export type VisitRefusal = (typeof VISIT_REFUSALS)[number];

/** Why a visit whose access was allowed never opened (`delivery` step `aborted`): `unlock-` and the stroke's outcome. */
export const VISIT_ABORTS = ['unlock-jammed', 'unlock-aborted-door-open', 'unlock-sensor-fault', 'unlock-shutdown'] as const;
export type VisitAbort = (typeof VISIT_ABORTS)[number];

/** Who or what asked the bolt to move (`bolt` and `operation` events). */
export const BOLT_CAUSES = ['command', 'access', 'auto-relock', 'door-opened', 'boot', 'shutdown', 'self-test'] as const;
export type BoltCause = (typeof BOLT_CAUSES)[number];

/** A `bolt` state change the lock did not ask for: the thumb-turn, or the sensors alone. */
export const BOLT_STATE_CAUSES = [...BOLT_CAUSES, 'manual', 'sensor'] as const;
export type BoltStateCause = (typeof BOLT_STATE_CAUSES)[number];

/** How a stroke ended (`operation` events). */
export const OPERATION_OUTCOMES = ['done', 'jammed', 'aborted-door-open', 'preempted', 'sensor-fault', 'shutdown'] as const;
export type OperationOutcome = (typeof OPERATION_OUTCOMES)[number];

/** Alarms (`alarm` events): the bolt's and door's, and a supervised visit's. */
export const ALARM_KINDS = ['jammed', 'door-ajar', 'forced-entry', 'tamper', 'bolt-sensor-fault', 'camera-failed', 'camera-lost', 'relock-overdue', 'fault'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

/** Every event type on `locks/<id>/events`. */
export const EVENT_TYPES = [
  'access', 'keypad-lockout', 'mode', 'delivery', 'alarm', 'bolt', 'operation', 'manual', 'door', 'battery',
  'revocations', 'heartbeat', 'grant-stored', 'grant-dropped', 'command', 'ha-command', 'ha-mode', 'events-dropped', 'state-damaged',
  'clock-set-back', 'clock-jumped-forward', 'clock-confirmed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The sets above by the name §8 gives each table (`<!-- reasons:NAME -->`). */
export const REASON_SETS: Readonly<Record<string, readonly string[]>> = {
  decision: DECISION_REASONS,
  door: DOOR_REASONS,
  update: UPDATE_REASONS,
  'grant-stored': GRANT_STORE_REASONS,
  command: COMMAND_REASONS,
  'ha-command': HA_COMMAND_REASONS,
  'visit-refused': VISIT_REFUSALS,
  'visit-aborted': VISIT_ABORTS,
  'bolt-cause': BOLT_STATE_CAUSES,
  'operation-outcome': OPERATION_OUTCOMES,
  alarm: ALARM_KINDS,
  'event-type': EVENT_TYPES,
};

/** Faults, not refusals: what the lock's own code throws for broken configuration, storage or keys. */
export const FAULT_CODES = ['E_CONFIG', 'E_STORE', 'E_KEY'] as const;
export type FaultCode = (typeof FAULT_CODES)[number];

/** A key the lock cannot use: an owner key refused as a trust anchor, a damaged device key file. */
export class KeyFault extends Error {
  override readonly name = 'KeyFault';
  readonly code: FaultCode = 'E_KEY';
}
