// The lock's network side, started once the lock is ready at the door: the MQTT link to the
// owner's broker with its topic handlers, and Home Assistant on the same link. MQTT.js (~90 ms to
// load) is imported here, after "ready", so the door never waits for the network code.
import { readFileSync } from 'node:fs';
import type { BoardPorts } from '../../hal/ports/index.js';
import type { Clock } from '../../hal/ports/clock.js';
import type { RandomSource } from '../../hal/ports/random.js';
import type { AccessCore } from '../access/core.js';
import { MAX_REVOCATION_ENTRIES, revocationLimits } from '../access/revocation-limits.js';
import type { App } from '../app.js';
import type { LockConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { LinkHandlers, MqttLink } from './link.js';
import type { Outbox } from './outbox.js';

export interface SyncService {
  /** The link to the owner's broker (observers and tests watch its connection and deliveries). */
  readonly link: MqttLink;
  /** Take back what the lock announced (Home Assistant discovery): before a factory reset. */
  withdraw(): Promise<void>;
  stop(): Promise<void>;
}

type MqttConfig = NonNullable<LockConfig['mqtt']>;

/** Secrets and certificates named in the config, read when the link starts. */
const readOptional = (path?: string) => (path ? readFileSync(path) : undefined);

export async function startSync(deps: { config: MqttConfig; core: AccessCore; outbox: Outbox; app: App; handlers: LinkHandlers; ports: BoardPorts; clock: Clock; random: RandomSource; log: Logger }): Promise<SyncService> {
  const { config, core, outbox, app, handlers } = deps;
  const [{ MqttLink }, { attachHomeAssistant }] = await Promise.all([import('./link.js'), import('./home-assistant-bridge.js')]);
  const lockId = core.config.lockId;
  const link = new MqttLink(
    {
      url: config.url,
      lockId,
      username: config.username,
      password: readOptional(config.passwordFile)?.toString('utf8').trim(),
      ca: readOptional(config.caFile),
      cert: readOptional(config.certFile),
      key: readOptional(config.keyFile),
      protocolVersion: config.protocolVersion,
      // A lock configured for a longer revocation list than the default takes packets that long.
      maxPacketBytes: Math.max(1 << 20, revocationLimits(core.config.maxRevocationEntries ?? MAX_REVOCATION_ENTRIES).maxBytes + 1024),
      clock: deps.clock,
      random: deps.random,
      needsRetained: () => core.needsRetainedState,
    },
    handlers,
    outbox,
  );
  link.events.catchFaults(app.faults.sink('mqtt'));
  // The outbox could not be read to publish (a failing card): a counted fault; the lock keeps deciding.
  const storageFault = app.faults.sink('mqtt');
  link.events.on('flush-failed', ({ error }) => storageFault(error, 'flush'));
  // An inbound message that could not be applied durably (left unacknowledged, asked for again): a counted fault.
  link.events.on('apply-failed', ({ topic, error }) => storageFault(error, topic));
  // The activity topic, and Home Assistant (withdrawn when disabled).
  const ha = attachHomeAssistant({ link, app, battery: deps.ports.battery, lockId, options: config.homeAssistant, outbox, handlers, clock: deps.clock, log: deps.log });
  link.start();
  return {
    link,
    withdraw: () => ha.withdraw(),
    async stop() {
      ha.stop();
      await link.stop();
    },
  };
}
