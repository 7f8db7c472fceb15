// A stand-in lock process for the kill -9 test: appends signed events to the outbox in the state
// directory given, printing each sequence number once append() has returned (durably stored).
import { loadOrCreateIdentity } from '../../firmware/identity.js';
import { Outbox } from '../../firmware/sync/outbox.js';
import { systemClock } from '../../hal/node/clock.js';
import { seededRandom } from '../../hal/node/random.js';

const dir = process.argv[2]!;
const outbox = new Outbox(dir, loadOrCreateIdentity(dir, seededRandom(4)), systemClock, { lockId: 'front-door', cap: 1_000_000 });
for (let i = 0; ; i++) {
  const seq = outbox.append('door', new Map([['n', i]]));
  process.stdout.write(`${seq}\n`);
}
