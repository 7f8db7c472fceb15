// sd_notify for the service unit: READY once booted, WATCHDOG only while the lock says it is alive,
// nothing at all outside systemd. The sender (systemd-notify) is replaced by a recorder.
import sinon from 'sinon';
import { afterEach, describe, expect, it } from 'vitest';
import { startServiceNotifier } from '../../hal/node/systemd-notify.js';

describe('service notifier', () => {
  let clock: sinon.SinonFakeTimers | null = null;
  afterEach(() => clock?.restore());
  const logger = { warn: () => {} };

  it('says READY, then pings the watchdog every half period while alive, and STOPPING at the end', () => {
    clock = sinon.useFakeTimers();
    const sent: string[][] = [];
    let alive = true;
    const n = startServiceNotifier(() => alive, logger, { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '20000000', WATCHDOG_PID: String(process.pid) }, (f, done) => {
      sent.push(f);
      done(null);
    });
    expect(sent).toEqual([['--ready', 'STATUS=lock ready']]);
    clock.tick(10_000);
    clock.tick(10_000);
    expect(sent.filter((f) => f[0] === 'WATCHDOG=1')).toHaveLength(2);
    alive = false;
    clock.tick(30_000);
    expect(sent.filter((f) => f[0] === 'WATCHDOG=1')).toHaveLength(2);
    n.stopping();
    n.stop();
    expect(sent.at(-1)).toEqual(['STOPPING=1']);
  });

  it('does not ping a watchdog meant for another process, and sends nothing outside systemd', () => {
    clock = sinon.useFakeTimers();
    const sent: string[][] = [];
    const send = (f: string[], done: (e: Error | null) => void) => (sent.push(f), done(null));
    startServiceNotifier(() => true, logger, { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '2000000', WATCHDOG_PID: '1' }, send).stop();
    startServiceNotifier(() => true, logger, {}, send).stop();
    clock.tick(10_000);
    expect(sent).toEqual([['--ready', 'STATUS=lock ready']]);
  });
});
