// The control API's actions: one small handler per route, each checking its body with a schema and
// acting on the world through SimControl (never the firmware's internals), or on the lock as its
// owner would (lock, unlock: the terminal's `l` and `u`).
import * as v from 'valibot';
import type { App } from '../../firmware/app.js';
import type { SimControl } from '../control/control.js';
import type { SimPhone } from '../devices/credential-reader.js';
import { ApiError } from './http.js';
import type { RemotePhones } from './phones.js';

/** What `npm run sim` made for play: phones with grants, and expected parcel labels. */
export interface Demo {
  phone: SimPhone;
  courier: SimPhone;
  parcels: string[];
}

export interface RouteContext {
  control: SimControl;
  lock: () => App;
  phones: RemotePhones;
  demo: Demo | null;
  /** Demo parcels scanned so far (the next demo scan takes the next label). */
  demoScans: number;
}

type Handler = (body: Record<string, unknown>, ctx: RouteContext) => unknown;

const ok = { ok: true } as const;
const hexBytes = (max: number) => v.pipe(v.string(), v.regex(/^([0-9a-fA-F]{2})*$/, 'hex digits, two per byte'), v.minLength(2), v.maxLength(max * 2));
const holdMs = v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(60_000)));

function parse<S extends v.GenericSchema>(schema: S, body: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, body);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = v.getDotPath(issue) ?? 'body';
  throw new ApiError('bad-request', `${field}: ${issue.message}`, { field });
}

/** Run a world action; a part the board lacks is a 409 `no-such-part`, not a crash. */
function act<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError('no-such-part', (error as Error).message);
  }
}

function refusal(reason: string | null | false): typeof ok {
  if (reason) throw new ApiError('refused', `the world refused: ${reason}`, { reason });
  return ok;
}

function keysOf(ctx: RouteContext): Set<string> {
  const layout = ctx.control.board.profile.devices.keypadLayout;
  if (!layout || !ctx.control.board.keypad) throw new ApiError('no-such-part', 'this simulated board has no keypad');
  return new Set(layout.join(''));
}

function demo(ctx: RouteContext): Demo {
  if (!ctx.demo) throw new ApiError('no-demo', 'no demo credentials: the simulator was started with a real access config');
  return ctx.demo;
}

export const ROUTES: Record<string, Handler> = {
  'keypad/press': (body, ctx) => {
    const { key, holdMs: hold } = parse(v.strictObject({ key: v.pipe(v.string(), v.length(1)), holdMs: holdMs }), body);
    if (!keysOf(ctx).has(key)) throw new ApiError('bad-request', `key: no key "${key}" on this keypad`, { field: 'key' });
    ctx.control.pressKeyAtLeast(key, hold);
    return ok;
  },
  'keypad/type': (body, ctx) => {
    const { keys, gapMs } = parse(v.strictObject({ keys: v.pipe(v.string(), v.minLength(1), v.maxLength(32)), gapMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(5_000))) }), body);
    const known = keysOf(ctx);
    const bad = [...keys].find((k) => !known.has(k));
    if (bad !== undefined) throw new ApiError('bad-request', `keys: no key "${bad}" on this keypad`, { field: 'keys' });
    return { ok: true, ms: ctx.control.typeKeysInTurn(keys, gapMs) };
  },
  'door/open': (_b, ctx) => refusal(ctx.control.openDoor()),
  'door/close': (_b, ctx) => refusal(ctx.control.closeDoor()),
  'door/force': (_b, ctx) => refusal(ctx.control.forceDoor()),
  'thumb-turn': (body, ctx) => {
    const { to } = parse(v.strictObject({ to: v.optional(v.picklist(['locked', 'unlocked'])) }), body);
    const target = to ?? (ctx.control.snapshot().bolt.position > 0.5 ? 'unlocked' : 'locked');
    if (!ctx.control.turnThumbTurn(target)) throw new ApiError('refused', 'the thumb-turn will not turn (motor driving or bolt jammed)', { reason: 'will-not-turn' });
    return { ok: true, to: target };
  },
  'bolt/jam': (body, ctx) => {
    const { brief } = parse(v.strictObject({ brief: v.optional(v.boolean()) }), body);
    ctx.control.jamBolt(brief ?? false);
    return ok;
  },
  'bolt/free': (_b, ctx) => (ctx.control.clearJam(), ok),
  'camera/fail': (_b, ctx) => act(() => (ctx.control.failCamera(), ok)),
  'camera/kill': (_b, ctx) => act(() => (ctx.control.killCameraMidRecording(), ok)),
  'camera/repair': (_b, ctx) => act(() => (ctx.control.repairCamera(), ok)),
  battery: (body, ctx) => {
    const { percent } = parse(v.strictObject({ percent: v.pipe(v.number(), v.minValue(0), v.maxValue(100)) }), body);
    return act(() => (ctx.control.setBattery(percent), ok));
  },
  'pair-button': (body, ctx) => {
    const { holdMs: hold } = parse(v.strictObject({ holdMs: holdMs }), body);
    return act(() => (ctx.control.pressPairButton(hold), ok));
  },
  tamper: (body, ctx) => {
    const { on } = parse(v.strictObject({ on: v.boolean() }), body);
    return act(() => (ctx.control.setTamper(on), ok));
  },
  barcode: (body, ctx) => {
    const { text } = parse(v.strictObject({ text: v.pipe(v.string(), v.maxLength(256)) }), body);
    return act(() => (ctx.control.scanBarcode(text), ok));
  },
  'phone/tap': (body, ctx) => {
    parse(v.strictObject({}), body);
    return ctx.phones.tap();
  },
  'phone/present': async (body, ctx) => {
    const { session, presentation } = parse(v.strictObject({ session: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/, 'a session id from phone/tap')), presentation: hexBytes(8192) }), body);
    return { access: await ctx.phones.present(session, Uint8Array.from(Buffer.from(presentation, 'hex'))) };
  },
  'lock/lock': (_b, ctx) => ({ ok: true, result: ctx.lock().deadbolt.lock('command') }),
  'lock/unlock': (_b, ctx) => ({ ok: true, result: ctx.lock().deadbolt.unlock('command') }),
  'demo/phone': (_b, ctx) => (ctx.control.tapPhone(demo(ctx).phone), ok),
  'demo/courier': (_b, ctx) => (ctx.control.tapPhone(demo(ctx).courier), ok),
  'demo/parcel': (_b, ctx) => {
    const labels = demo(ctx).parcels;
    const text = labels[ctx.demoScans++ % labels.length]!;
    return act(() => (ctx.control.scanBarcode(text), { ok: true, text }));
  },
};
