// Runs a crash-point child process (tests/helpers/crash-*.ts, under tsx) to its end or to the
// SIGKILL it gives itself, and hands back its stdout lines. Any other exit is an error.
import { spawn } from 'node:child_process';

export interface CrashRun {
  lines: string[];
  signal: NodeJS.Signals | null;
}

export function runCrashChild(script: string, args: string[], timeoutMs = 60_000): Promise<CrashRun> {
  const name = script.split('/').pop()!.replace(/\.ts$/, '');
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...process.env, IS_TEST_MODE: '' } });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${name} ${args.join(' ')} did not finish:\n${out}\n${err}`));
    }, timeoutMs);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`${name} exited ${code}:\n${out}\n${err}`));
      else resolve({ lines: out.split('\n').filter(Boolean), signal });
    });
  });
}
