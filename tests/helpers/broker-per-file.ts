// One real Mosquitto for a test file: started before its tests and stopped after them, skipped
// (or, under CI=true, failed) when Mosquitto or openssl is missing; and the clean-ups each test
// registers, run last first after it.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type Broker, startBroker } from './mosquitto.js';
import { requireTools } from './tools.js';

export interface FileBroker {
  /** True when the tools are missing: `describe.skipIf(missingTools)`. */
  readonly missingTools: boolean;
  /** The running broker (inside a test). */
  readonly broker: Broker;
  /** What a test registers to undo after it (locks, clients), run last first. */
  readonly cleanup: (() => Promise<void> | void)[];
}

/** Call at a test file's top level; `tools` are the commands the file needs besides Mosquitto's and openssl. */
export function brokerPerFile(users: { name: string; password: string }[], tools: string[] = []): FileBroker {
  const missingTools = requireTools('mosquitto', 'mosquitto_passwd', 'openssl', ...tools);
  let running: Broker | undefined;
  const cleanup: (() => Promise<void> | void)[] = [];
  beforeAll(async () => {
    if (!missingTools) running = await startBroker(users);
  }, 30_000);
  afterAll(async () => {
    await running?.stop();
  });
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  }, 60_000);
  return {
    missingTools,
    cleanup,
    get broker(): Broker {
      if (!running) throw new Error('no broker: brokerPerFile is used inside a test, once it has started');
      return running;
    },
  };
}
