// The simulator's face for other processes: a control API over HTTP, a Server-Sent Events stream of
// the world, the lock and its signed events, and the web page that draws them. Bound to 127.0.0.1,
// every request needs the printed token. Lives under sim/ only: a real board never serves this.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../../firmware/app.js';
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';
import type { SimControl } from '../control/control.js';
import { devicePublicKey, mqttEvents } from './events.js';
import { Feed, type FeedMessage } from './feed.js';
import { ApiError, hasToken, hostAllowed, readJson, sendError, sendJson } from './http.js';
import { loadPage, type Page } from './page.js';
import { RemotePhones } from './phones.js';
import { type Demo, type RouteContext, ROUTES } from './routes.js';

export interface WebSimOptions {
  control: SimControl;
  /** The lock's services now (they are rebuilt after a pairing). */
  lock: () => App;
  clock: Clock;
  /** The board profile's name, shown on the page. */
  board: string;
  demo?: Demo | null;
  /** Where the lock publishes its signed events, to show them verified; without it, in-process events. */
  mqtt?: { url: string; lockId: string } | null;
  /** The lock's state directory, where its device key (the events' signer) lives. */
  stateDir?: string | null;
  /** Default 127.0.0.1; port 0 picks a free one. Environment: LOCK_SIM_HOST, LOCK_SIM_PORT, LOCK_SIM_TOKEN. */
  host?: string;
  port?: number;
  token?: string;
}

export interface WebSim {
  /** The page's address, token included. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startWebSim(o: WebSimOptions): Promise<WebSim> {
  const host = o.host ?? process.env.LOCK_SIM_HOST ?? '127.0.0.1';
  const token = o.token ?? process.env.LOCK_SIM_TOKEN ?? randomBytes(18).toString('base64url');
  const wantedPort = o.port ?? Number(process.env.LOCK_SIM_PORT ?? 0);
  let deviceKey: Uint8Array | null = null;
  const feed = new Feed({ control: o.control, lock: o.lock, clock: o.clock, board: o.board, run: randomBytes(6).toString('hex'), deviceKey: () => (deviceKey ??= o.stateDir ? devicePublicKey(o.stateDir) : null) });
  const phones = new RemotePhones(o.control, o.lock, o.clock);
  const ctx: RouteContext = { control: o.control, lock: o.lock, phones, demo: o.demo ?? null, demoScans: 0 };
  const page = await loadPage();
  const streams = new Set<ServerResponse>();
  let port = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      sendError(res, error instanceof ApiError ? error : new ApiError('internal', 'internal error'));
      if (!(error instanceof ApiError)) console.error(`sim web: ${(error as Error).stack ?? String(error)}`);
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!hostAllowed(req, port, host)) throw new ApiError('bad-host', 'this server answers only to its loopback address');
    if (!hasToken(req, url, token)) throw new ApiError('unauthorized', 'every request needs the token the simulator printed (Authorization: Bearer <token>, or ?token=)');
    const path = url.pathname;
    if (path === '/' || path === '/index.html') return onlyGet(req, () => servePage(req, res, page));
    if (path === '/api/state') return onlyGet(req, () => sendJson(res, 200, feed.state()));
    if (path === '/api/events') return onlyGet(req, () => sendJson(res, 200, { events: feed.history() }));
    if (path === '/api/stream') return onlyGet(req, () => stream(res));
    const route = path.startsWith('/api/') ? ROUTES[path.slice(5)] : undefined;
    if (!route) throw new ApiError('not-found', `no route ${path}`);
    if (req.method !== 'POST') throw new ApiError('method-not-allowed', `${path} takes POST`);
    const body = await readJson(req);
    sendJson(res, 200, await route(body, ctx));
  }

  function onlyGet(req: IncomingMessage, fn: () => void): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError('method-not-allowed', 'this address takes GET');
    fn();
  }

  function stream(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = (m: FeedMessage) => res.write(`event: ${m.kind}\ndata: ${JSON.stringify(m.kind === 'state' ? m.state : m.event)}\n\n`);
    res.write(`retry: 1000\nevent: history\ndata: ${JSON.stringify({ events: feed.history() })}\n\n`);
    const off = feed.subscribe(send);
    const keepAlive: TimerHandle = o.clock.every(15_000, () => res.write(': keep-alive\n\n'));
    streams.add(res);
    res.on('error', () => {}); // a page gone mid-write: its close follows
    res.on('close', () => {
      off();
      keepAlive.cancel();
      streams.delete(res);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(wantedPort, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const mqtt = o.mqtt ? await mqttEvents(o.mqtt.url, o.mqtt.lockId, (bytes) => feed.addSigned(bytes)) : null;
  feed.signedSource = mqtt !== null;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      for (const res of streams) res.end();
      phones.close();
      feed.close();
      await mqtt?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function servePage(req: IncomingMessage, res: ServerResponse, page: Page): void {
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? page.gzip : page.html;
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': body.length,
    'content-security-policy': page.csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
