// The Storage port on the real file system (node:fs, synchronous).
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import type { Storage } from '../ports/storage.js';

export const nodeStorage: Storage = {
  openSync: (path, flags, mode) => openSync(path, flags, mode),
  writeSync: (fd, bytes, offset, length) => writeSync(fd, bytes, offset, length),
  fsyncSync: (fd) => fsyncSync(fd),
  ftruncateSync: (fd, length) => ftruncateSync(fd, length),
  closeSync: (fd) => closeSync(fd),
  readFileSync: (path) => readFileSync(path),
  readSync: (fd, buffer, offset, length, position) => readSync(fd, buffer, offset, length, position),
  renameSync: (from, to) => renameSync(from, to),
  mkdirSync: (path, mode) => {
    mkdirSync(path, { recursive: true, mode });
  },
  sizeOf: (path) => {
    try {
      return statSync(path).size;
    } catch {
      return -1;
    }
  },
};
