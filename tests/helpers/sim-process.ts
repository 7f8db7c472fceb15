// `npm run sim` as a real process: keys typed on its stdin (one per character, 250 ms apart), its
// JSON log read from stdout. Tests wait on log lines with a deadline, never on sleeps.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface SimProcess {
  proc: ChildProcessWithoutNullStreams;
  lines: string[];
  /** The first line (already seen or to come) that passes `test`. */
  waitFor(test: (line: string) => boolean, what: string, ms?: number): Promise<string>;
  exited: Promise<number | null>;
  type(keys: string): void;
}

export function startSimProcess(args: string[] = [], env: Record<string, string> = {}): SimProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'sim/main.ts', '--json', ...args], {
    env: { ...process.env, IS_TEST_MODE: '', ...env },
  });
  const lines: string[] = [];
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  createInterface({ input: proc.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const stderr: string[] = [];
  proc.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
  const waitFor = (test: (line: string) => boolean, what: string, ms = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find(test);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`no line with ${what}; got:\n${lines.join('\n')}\nstderr:\n${stderr.join('')}`)), ms);
      waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, lines, waitFor, exited, type: (keys: string) => proc.stdin.write(`${keys}\n`) };
}

/** A JSON log line whose fields equal `fields`. */
export const jsonWith = (fields: Record<string, unknown>) => (line: string) => {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    return Object.entries(fields).every(([k, v]) => o[k] === v);
  } catch {
    return false;
  }
};
