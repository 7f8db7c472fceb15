// The lock's own settings (not the board's wiring): relock and alarm timings, boot and shutdown
// behaviour. Validated at load; a bad file names the field.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const lockConfig = z.strictObject({
  autoRelockMs: z.number().int().min(1000).max(3_600_000).nullable().default(30_000),
  doorAjarMs: z.number().int().min(1000).max(3_600_000).default(60_000),
  bootAction: z.enum(['lock-if-closed', 'none']).default('lock-if-closed'),
  shutdownPosition: z.enum(['locked', 'as-is']).default('locked'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type LockConfig = z.infer<typeof lockConfig>;

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
  const parsed = lockConfig.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(top level)';
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
