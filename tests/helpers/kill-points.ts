// For the crash-point tests' child processes: a storage port (the real file system) that counts
// every write and fsync while counting is on, and kills its own process with SIGKILL at the Nth
// (0: never), so a test can cut the power at each write point in turn.
import { nodeStorage } from '../../hal/node/storage.js';
import type { Storage } from '../../hal/ports/storage.js';

export interface KillPoints {
  storage: Storage;
  /** Counting on or off (off at first). */
  counting: boolean;
  /** Write points counted so far. */
  readonly points: number;
}

export function killPoints(crashAt: number): KillPoints {
  let points = 0;
  const kp = {
    counting: false,
    get points() {
      return points;
    },
    storage: {} as Storage,
  };
  const point = () => {
    if (!kp.counting) return;
    points++;
    if (points === crashAt) process.kill(process.pid, 'SIGKILL');
  };
  kp.storage = {
    ...nodeStorage,
    writeSync: (fd, bytes, offset, length) => {
      point();
      return nodeStorage.writeSync(fd, bytes, offset, length);
    },
    fsyncSync: (fd) => {
      point();
      nodeStorage.fsyncSync(fd);
    },
  };
  return kp;
}
