// lockctl's command-line conventions in one place: results to stdout and everything else to stderr,
// "-" for stdin/stdout, paths from the user's own directory, and file errors a person can act on.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Where a command's output goes: `out` is the result (stdout), `err` progress and errors (stderr). */
export interface Streams {
  out(line: string): void;
  err(line: string): void;
  /** Raw bytes to stdout (`--out -`). */
  outBytes(bytes: Uint8Array): void;
  /** All of stdin (`-` as an input file). */
  stdin(): Buffer;
}

export const processStreams: Streams = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  outBytes: (bytes) => process.stdout.write(bytes),
  stdin: () => readFileSync(0),
};

/** Both streams into one function (tests and callers that want a transcript). */
export function mergedStreams(say: (line: string) => void, stdin: () => Buffer = () => Buffer.alloc(0)): Streams {
  return { out: say, err: say, outBytes: (b) => say(Buffer.from(b).toString('hex')), stdin };
}

/** A file problem (missing, existing, unreadable, wrong content): exit code 1, not a usage error (2). */
export class FileError extends Error {
  override readonly name = 'FileError';
}

/** A request that cannot work as given (times that could never be used): exit code 2, like a usage error. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
}

/** The directory the user ran the command from: npm runs scripts in the package root but sets INIT_CWD. */
export function userDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.INIT_CWD || process.cwd();
}

/** A path as the user meant it: relative to their directory; "-" stays "-". */
export function userPath(path: string, cwd = userDir()): string {
  return path === '-' ? path : resolve(cwd, path);
}

const codeOf = (error: unknown) => (error as { code?: string }).code;

/** Read a file the user named ("-" is stdin), with a sentence for each way it can fail. */
export function readInput(path: string, what: string, io: Pick<Streams, 'stdin'> = processStreams): Buffer {
  if (path === '-') return io.stdin();
  try {
    return readFileSync(path);
  } catch (error) {
    const code = codeOf(error);
    if (code === 'ENOENT') throw new FileError(`${what}: no such file ${path}`);
    if (code === 'EISDIR') throw new FileError(`${what}: ${path} is a folder, not a file`);
    if (code === 'EACCES' || code === 'EPERM') throw new FileError(`${what}: no permission to read ${path}`);
    throw new FileError(`${what}: cannot read ${path} (${code ?? (error as Error).message})`);
  }
}

/**
 * Write a file the user named ("-" is stdout). `exclusive` refuses to replace an existing file (keys,
 * secrets); `mode` sets its permissions. Returns what happened, for a progress line.
 */
export function writeOutput(path: string, data: Uint8Array | string, what: string, options: { exclusive?: boolean; mode?: number; io?: Pick<Streams, 'outBytes'> } = {}): string {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  if (path === '-') {
    (options.io ?? processStreams).outBytes(bytes);
    return `wrote ${bytes.length} bytes to stdout`;
  }
  try {
    writeFileSync(path, bytes, { mode: options.mode, flag: options.exclusive ? 'wx' : 'w' });
  } catch (error) {
    const code = codeOf(error);
    if (code === 'EEXIST') throw new FileError(`${what}: ${path} already exists; lockctl will not overwrite it (move it away or choose another name)`);
    if (code === 'ENOENT') throw new FileError(`${what}: the folder ${dirname(path)} does not exist (create it first)`);
    if (code === 'EISDIR') throw new FileError(`${what}: ${path} is a folder; give a file name`);
    if (code === 'EACCES' || code === 'EPERM') throw new FileError(`${what}: no permission to write ${path}`);
    throw new FileError(`${what}: cannot write ${path} (${code ?? (error as Error).message})`);
  }
  return `wrote ${bytes.length} bytes to ${path}`;
}

/** 32 bytes written as 64 hex digits (a key seed or a keypad secret); a wrong file is described, never echoed. */
export function hexFile(content: Buffer, what: string, path: string, kind: string): Uint8Array {
  const text = content.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Uint8Array.from(Buffer.from(text, 'hex'));
  const binary = content.some((b) => b < 0x09 || (b > 0x0d && b < 0x20)) || !Buffer.from(content.toString('utf8')).equals(content);
  const found = content.length === 0 ? 'it is empty' : binary ? `it holds ${content.length} bytes of binary data` : `it holds ${text.length} characters of other text`;
  throw new FileError(`${what} ${path} is not ${kind} (expected 64 hex digits; ${found})`);
}

/** Grant times that could never work are refused unless the user insists. Times in NumericDate seconds. */
export function checkValidity(nbf: number | null, exp: number | null, nowS: number, force: boolean): void {
  if (force || exp === null) return;
  const iso = (s: number) => new Date(s * 1000).toISOString();
  if (nbf !== null && exp <= nbf) throw new RefusedError(`--until ${iso(exp)} is not after --from ${iso(nbf)}: it could never be used (--force to make it anyway)`);
  if (exp <= nowS) throw new RefusedError(`--until ${iso(exp)} is in the past: it could never be used (--force to make it anyway)`);
}
