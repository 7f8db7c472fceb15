// System tools some suites need (Mosquitto, openssl, socat, ...): found on the PATH (plus /usr/sbin
// and /sbin, where Debian puts mosquitto), else the suite is skipped; under CI=true a missing tool fails.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The tools suites ask for, with the install command printed when one is missing. Add a row for a new tool. */
export const TOOLS: Record<string, { install: string; suites: string }> = {
  mosquitto: { install: 'sudo apt-get install mosquitto', suites: 'tests/interop/*' },
  mosquitto_passwd: { install: 'sudo apt-get install mosquitto', suites: 'tests/interop/*' },
  openssl: { install: 'sudo apt-get install openssl', suites: 'tests/interop/*' },
  socat: { install: 'sudo apt-get install socat', suites: 'tests/interop/pairing-pty.test.ts' },
};

/** Where a missing tool is looked for besides PATH; TEST_TOOL_DIRS overrides it (an empty value: PATH only). */
const extraDirs = () => (process.env.TEST_TOOL_DIRS ?? '/usr/sbin:/sbin').split(delimiter).filter(Boolean);

/** The absolute path of an executable `command`, or null. */
export function toolPath(command: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs()].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** True under a CI run, where a missing tool is a failure (CI=true, as GitHub Actions and .ci/run set). */
export const inCi = (): boolean => /^(1|true|yes)$/i.test(process.env.CI ?? '');

/** One line saying what is missing and how to install it. */
export function missingLine(command: string, installHint: string, ci = false): string {
  const also = extraDirs().length ? ` nor in ${extraDirs().join(', ')}` : '';
  return `${command} not found on PATH${also}: its suites ${ci ? 'FAIL (CI=true)' : 'are skipped'}; install it with: ${installHint}`;
}

export class MissingToolError extends Error {
  override readonly name = 'MissingToolError';
}

/**
 * For `describe.skipIf(requireTool('socat', 'sudo apt-get install socat'))`: true (skip) when the
 * command is missing; under CI=true a missing command throws instead, failing the suite by name.
 * The one-line notice comes from the global setup (tests/helpers/tool-check.ts) for tools in TOOLS, else from here.
 */
export function requireTool(command: string, installHint = TOOLS[command]?.install ?? `install "${command}"`): boolean {
  if (toolPath(command)) return false;
  if (inCi()) throw new MissingToolError(`CI=true and ${command} is missing: install it with: ${installHint}`);
  if (!TOOLS[command]) console.warn(missingLine(command, installHint));
  return true;
}

/** Skip (true) unless every command is present; see requireTool. */
export function requireTools(...commands: string[]): boolean {
  return commands.map((c) => requireTool(c)).some(Boolean);
}

/**
 * For suites that read the system's time-zone database: true (skip) when /usr/share/zoneinfo has
 * no Europe/Berlin; under CI=true that throws instead (.ci/run installs tzdata).
 */
export function requireZoneinfo(): boolean {
  try {
    accessSync('/usr/share/zoneinfo/Europe/Berlin', constants.R_OK);
    return false;
  } catch {
    const hint = 'sudo apt-get install tzdata';
    if (inCi()) throw new MissingToolError(`CI=true and /usr/share/zoneinfo is missing: install it with: ${hint}`);
    console.warn(`/usr/share/zoneinfo not found: the suites that read it are skipped; install it with: ${hint}`);
    return true;
  }
}

/**
 * For the suites that read the public test vectors in ../shared/vectors (beside the clone, as CI
 * places it): true (skip) when they are not there; under CI=true that throws instead.
 */
export function requireSharedVectors(dir: string): boolean {
  try {
    accessSync(dir, constants.R_OK);
    return false;
  } catch {
    const hint = 'put the shared folder beside the clone (README "Two commands")';
    if (inCi()) throw new MissingToolError(`CI=true and ${dir} is missing: ${hint}`);
    console.warn(`skip notice: ${dir} not found: the shared-vector suites are skipped; ${hint}`);
    return true;
  }
}
