// The storage medium (an SD card, eMMC), as a port: the few synchronous file operations the lock's
// durable state uses. Faults are inputs: a test's implementation returns short writes, ENOSPC, EIO
// on fsync, exactly as a full or failing card does. Errors are Node's (`code`: ENOSPC, EIO, ENOENT).

export interface Storage {
  /** Open `path` (flags as node:fs: 'a+', 'w', 'r'); throws ENOENT, EACCES, EIO. */
  openSync(path: string, flags: string, mode?: number): number;
  /** Write some or all of `bytes[offset, offset+length)`; returns how many were written (a short write is not an error). Throws ENOSPC, EIO. */
  writeSync(fd: number, bytes: Uint8Array, offset: number, length: number): number;
  /** Make what was written to `fd` durable. Throws EIO. */
  fsyncSync(fd: number): void;
  /** Cut the file to `length` bytes. Throws EIO. */
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
  /** The whole file (small files only: snapshots, keys). Throws ENOENT, EIO. */
  readFileSync(path: string): Buffer;
  /** Read up to `length` bytes at `position` into `buffer` from `offset`; returns how many (0 at the end). Throws EIO. */
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Atomically replace `to` with `from`. Throws EIO, ENOSPC. */
  renameSync(from: string, to: string): void;
  /** Create a directory (and its parents); no error if it exists. */
  mkdirSync(path: string, mode: number): void;
  /** Size in bytes, or -1 when the file does not exist. */
  sizeOf(path: string): number;
}
