// sd_notify for the systemd unit (Type=notify, WatchdogSec=) without a native dependency: each
// message is sent by systemd's own `systemd-notify` (NotifyAccess=all in the unit lets it speak for us).

export interface NotifyLogger {
  warn(obj: object, msg: string): void;
}

export interface ServiceNotifier {
  /** Tell systemd the lock is stopping (before the bolt is secured and the board closed). */
  stopping(): void;
  stop(): void;
}

type Send = (fields: string[], done: (error: Error | null) => void) => void;

/** node:child_process (with net and dgram, a good part of a boot) is loaded at the first message, after ready. */
const systemdNotify: Send = (fields, done) => {
  import('node:child_process').then(
    ({ execFile }) => execFile('systemd-notify', [`--pid=${process.pid}`, ...fields], { timeout: 5_000 }, (error) => done(error)),
    (error: unknown) => done(error as Error),
  );
};

/**
 * READY=1 now; then WATCHDOG=1 every half WatchdogSec, but only while `alive()` says the lock's
 * main loop is turning. Does nothing outside systemd (no NOTIFY_SOCKET).
 */
export function startServiceNotifier(alive: () => boolean, logger: NotifyLogger, env = process.env, send: Send = systemdNotify): ServiceNotifier {
  if (!env.NOTIFY_SOCKET) return { stopping() {}, stop() {} };
  const post = (fields: string[]) =>
    send(fields, (error) => {
      if (error) logger.warn({ event: 'sd-notify', err: error.message }, `systemd-notify ${fields[0]} failed`);
    });
  post(['--ready', 'STATUS=lock ready']);
  const usec = Number(env.WATCHDOG_USEC);
  const forUs = !env.WATCHDOG_PID || Number(env.WATCHDOG_PID) === process.pid;
  let timer: NodeJS.Timeout | null = null;
  if (Number.isFinite(usec) && usec > 0 && forUs) {
    // A timer in the event loop: a blocked loop stops the pings, and so does a lock that says it is not alive.
    timer = setInterval(() => {
      if (alive()) post(['WATCHDOG=1']);
    }, Math.max(500, usec / 2000));
    timer.unref();
  }
  return {
    stopping: () => post(['STOPPING=1']),
    stop: () => {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
