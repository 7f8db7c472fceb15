// The lock's own settings (not the board's wiring): relock and alarm timings, boot and shutdown
// behaviour. Validated at load; a bad file names the field.
import { readFileSync } from 'node:fs';
import * as v from 'valibot';

const ms = v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(3_600_000));

const lockConfig = v.strictObject({
  autoRelockMs: v.optional(v.nullable(ms), 30_000),
  doorAjarMs: v.optional(ms, 60_000),
  bootAction: v.optional(v.picklist(['lock-if-closed', 'none']), 'lock-if-closed'),
  shutdownPosition: v.optional(v.picklist(['locked', 'as-is']), 'locked'),
  logLevel: v.optional(v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
});

export type LockConfig = v.InferOutput<typeof lockConfig>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'E_CONFIG';
  constructor(
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }
}

export function parseLockConfig(raw: unknown, source = 'config'): LockConfig {
  const parsed = v.safeParse(lockConfig, raw ?? {});
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  const field = (issue.path ?? []).map((item) => String(item.key)).join('.') || '(top level)';
  throw new ConfigError(`${source}: ${field}: ${issue.message}`, field);
}

export function loadLockConfig(path: string | null): LockConfig {
  if (path === null) return parseLockConfig({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${path}: cannot read or parse: ${(error as Error).message}`, null);
  }
  return parseLockConfig(raw, path);
}
