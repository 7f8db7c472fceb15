// The simulator's keyboard: keys from a terminal (raw mode) or a pipe go into one queue and are
// handled one at a time, each to its end (a keypad key until the firmware has scanned it): none lost.

export interface TerminalOptions {
  input: NodeJS.ReadStream;
  /** Handle one key; the next waits until this one's promise settles. */
  onKey(key: string): Promise<void> | void;
  /** Ctrl-C on a terminal. */
  onInterrupt(): void;
  /** Pause between piped keys, as a person types (ms). */
  pipedGapMs?: number;
}

export function startTerminal(o: TerminalOptions): void {
  const queue: string[] = [];
  let busy = false;
  const gap = o.input.isTTY ? 0 : (o.pipedGapMs ?? 100);
  const drain = async () => {
    if (busy) return;
    busy = true;
    try {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        try {
          await o.onKey(key);
        } catch (error) {
          process.stdout.write(`${(error as Error).message}\n`);
        }
        if (gap) await new Promise((r) => setTimeout(r, gap));
      }
    } finally {
      busy = false;
    }
  };
  o.input.setEncoding('utf8');
  if (o.input.isTTY) {
    o.input.setRawMode(true);
    o.input.on('data', (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\u0003') o.onInterrupt(); // Ctrl-C
        else if (ch >= ' ' && ch <= '~') queue.push(ch);
      }
      void drain();
    });
  } else {
    o.input.on('data', (chunk: string) => {
      queue.push(...chunk.replace(/\s+/g, ''));
      void drain();
    });
  }
  o.input.resume();
}
