// A client of the simulator's control API (docs/SIM.md), as any other process would be: the address
// and token from the line `npm run sim` prints, JSON requests with the token, answers as values.
import type { SimProcess } from './sim-process.js';

export interface Answer {
  status: number;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface SimWeb {
  /** The page's address, token included. */
  url: string;
  base: string;
  token: string;
  post(path: string, body?: unknown): Promise<Answer>;
  get(path: string): Promise<Answer>;
  /** Poll GET /api/state until `test` holds. */
  waitForState(test: (s: Answer['body']) => boolean, what: string, ms?: number): Promise<Answer['body']>;
  /** Poll GET /api/events until an event passes `test`. */
  waitForEvent(test: (e: StreamEvent) => boolean, what: string, ms?: number): Promise<StreamEvent>;
}

export interface StreamEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
  signed: { ok: boolean; signer: string | null; reason: string | null } | null;
}

export async function simWeb(sim: SimProcess): Promise<SimWeb> {
  const line = await sim.waitFor((l) => l.includes('web page and control API:'), 'the web address', 30_000);
  const url = /(http:\/\/\S+)/.exec(line)![1]!;
  const parsed = new URL(url);
  const base = parsed.origin;
  const token = parsed.searchParams.get('token')!;
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const res = await fetch(`${base}/api/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
  const get = (path: string) => call('GET', path);
  const poll = async <T>(read: () => Promise<T | undefined>, what: string, ms: number, last: () => string): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen ${last()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    url,
    base,
    token,
    post: (path, body = {}) => call('POST', path, body),
    get,
    waitForState(test, what, ms = 30_000) {
      let last: Answer['body'] = {};
      return poll(async () => {
        last = (await get('state')).body;
        return test(last) ? last : undefined;
      }, what, ms, () => JSON.stringify(last));
    },
    waitForEvent(test, what, ms = 30_000) {
      let last: StreamEvent[] = [];
      return poll(async () => {
        last = (await get('events')).body.events as StreamEvent[];
        return last.find(test);
      }, what, ms, () => JSON.stringify(last.slice(-5)));
    },
  };
}
