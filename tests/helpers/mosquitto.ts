// A real Mosquitto for integration tests: a free loopback port, a generated config with TLS (a
// throwaway CA made by openssl), a password file, an ACL confining each lock to its own topics,
// and persistence so a restart keeps sessions and retained messages. Readiness is its own log
// line, not a sleep.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolPath } from './tools.js';

export interface Broker {
  port: number;
  url: string;
  ca: Buffer;
  /** Kill with SIGKILL (a crash), leaving its persistence file as it was. */
  kill(): Promise<void>;
  /** Start again on the same port, config and persistence. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function certificates(dir: string): void {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=lock-test-ca']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext']);
}

/** `saveEveryChange` (default on): the broker's database is saved after every change, so a kill -9 loses nothing it acknowledged. */
export async function startBroker(users: { name: string; password: string }[], options: { saveEveryChange?: boolean } = {}): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'mosquitto-'));
  certificates(dir);
  const passwords = join(dir, 'passwords');
  // One mosquitto_passwd call hashes the whole file (-U), however many users (the benchmark's fleet has 1,001).
  writeFileSync(passwords, users.map((u) => `${u.name}:${u.password}\n`).join(''), { mode: 0o600 });
  execFileSync(toolPath('mosquitto_passwd') ?? 'mosquitto_passwd', ['-U', passwords], { stdio: 'pipe' });
  // The owner may use every lock's topics; a lock (user name = lock id) only its own.
  writeFileSync(
    join(dir, 'acl'),
    ['user owner', 'topic readwrite locks/#', 'topic readwrite homeassistant/#', '', 'pattern readwrite locks/%u/#', 'pattern readwrite homeassistant/+/%u/#', ''].join('\n'),
  );
  const port = await freePort();
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [
      'user root',
      'per_listener_settings false',
      'set_tcp_nodelay true', // no Nagle delay on small MQTT packets
      'allow_anonymous false',
      `password_file ${passwords}`,
      `acl_file ${join(dir, 'acl')}`,
      'persistence true',
      `persistence_location ${dir}/`,
      ...(options.saveEveryChange === false ? ['autosave_interval 30'] : ['autosave_on_changes true', 'autosave_interval 1']),
      `listener ${port} 127.0.0.1`,
      `cafile ${join(dir, 'ca.crt')}`,
      `certfile ${join(dir, 'server.crt')}`,
      `keyfile ${join(dir, 'server.key')}`,
      'log_dest stderr', // stdout is block-buffered into a pipe
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const binary = toolPath('mosquitto') ?? 'mosquitto';
      const proc = spawn(binary, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      let log = '';
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`mosquitto did not start:\n${log}`));
      }, 15_000);
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        if (/mosquitto version .* running/.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mosquitto exited (${code}):\n${log}`));
      });
    });
  const exit = () =>
    new Promise<void>((resolve) => {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.removeAllListeners('exit');
      proc.once('exit', () => resolve());
    });
  await launch();
  return {
    port,
    url: `mqtts://127.0.0.1:${port}`,
    ca: readFileSync(join(dir, 'ca.crt')),
    async kill() {
      const done = exit();
      child?.kill('SIGKILL');
      await done;
    },
    async restart() {
      await launch();
    },
    async stop() {
      const done = exit();
      child?.kill('SIGTERM');
      await done;
    },
  };
}
