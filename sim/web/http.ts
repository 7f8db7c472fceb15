// HTTP plumbing for the simulator's control API: typed JSON errors with a code, bounded JSON bodies,
// the token check (constant time) and the Host check (no DNS rebinding onto 127.0.0.1).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The API's error codes: a closed set, each with its HTTP status. */
export const ERRORS = {
  'bad-json': 400,
  'bad-request': 400,
  unauthorized: 401,
  'bad-host': 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'no-such-part': 409,
  'not-paired': 409,
  'no-demo': 409,
  refused: 409,
  'unknown-session': 409,
  'too-large': 413,
  'unsupported-media-type': 415,
  'no-challenge': 504,
  'no-decision': 504,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERRORS;

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Largest request body accepted, in bytes (a presentation is at most 8 KiB, 16 KiB in hex). */
export const BODY_LIMIT = 64 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError, headers: Record<string, string> = {}): void {
  sendJson(res, ERRORS[error.code], { error: { code: error.code, message: error.message, ...error.detail } }, headers);
}

/** Read a JSON body: at most BODY_LIMIT bytes, `application/json`, an object (empty means `{}`). */
export function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const type = req.headers['content-type'];
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > BODY_LIMIT) return reject(new ApiError('too-large', `request bodies are limited to ${BODY_LIMIT} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > BODY_LIMIT) {
        failed = true;
        chunks.length = 0;
        reject(new ApiError('too-large', `request bodies are limited to ${BODY_LIMIT} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (error) => {
      failed = true;
      reject(new ApiError('bad-request', `request stream failed: ${error.message}`));
    });
    req.on('end', () => {
      if (failed) return;
      if (size === 0) return resolve({});
      if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
        return reject(new ApiError('unsupported-media-type', 'send the body as application/json'));
      }
      let value: unknown;
      try {
        value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reject(new ApiError('bad-json', 'the body is not JSON'));
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) return reject(new ApiError('bad-request', 'the body must be a JSON object'));
      resolve(value as Record<string, unknown>);
    });
  });
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The token from `Authorization: Bearer ...` or `?token=...`, compared in constant time. */
export function hasToken(req: IncomingMessage, url: URL, token: string): boolean {
  const header = req.headers.authorization;
  const offered = header?.startsWith('Bearer ') ? header.slice(7).trim() : url.searchParams.get('token');
  return offered !== null && timingSafeEqual(digest(offered), digest(token));
}

/** Only the names of this machine's loopback address (a page elsewhere cannot rebind a name onto us). */
export function hostAllowed(req: IncomingMessage, port: number, host: string): boolean {
  const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${host}:${port}`]);
  return allowed.has(String(req.headers.host ?? '').toLowerCase());
}
