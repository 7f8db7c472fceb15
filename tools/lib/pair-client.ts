// The installer's end of the serial protocol (docs/PROTOCOL.md §14): frames a request, waits for
// the reply with the same id, and turns what goes wrong into errors a person can act on.
import { encodeFrame, FrameDecoder } from '../../firmware/pairing/framing.js';
import { encodeRequest, type Op, parseReply, type Reply } from '../../firmware/pairing/protocol.js';
import type { SerialLink } from '../../hal/ports/serial-link.js';

/** Something went wrong talking to the lock; `message` says what to do about it. */
export class PairClientError extends Error {
  override readonly name = 'PairClientError';
  constructor(
    readonly code: 'no-answer' | 'line-closed' | 'refused' | 'bad-reply',
    message: string,
    /** The lock's error code, for `refused`. */
    readonly lockCode: string | null = null,
  ) {
    super(message);
  }
}

export class PairClient {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private readonly decoder = new FrameDecoder((payload) => this.onFrame(payload));
  private closedError: Error | null = null;
  /** Frames from the lock that were not replies we could read. */
  unreadable = 0;

  constructor(
    private readonly link: SerialLink,
    private readonly portName: string,
  ) {
    link.onData((chunk) => this.decoder.push(chunk));
    link.onClose(() => {
      this.closedError = new PairClientError('line-closed', `the serial line ${portName} went away (cable pulled?)`);
    });
    // A line left with half a frame from an earlier session: a delimiter makes the lock start afresh.
    void link.write(Uint8Array.of(0)).catch(() => {});
  }

  /** Send a request and wait for its reply; a refusal by the lock throws PairClientError('refused'). */
  async request(op: Op, body: Map<string, unknown> = new Map(), timeoutMs = 3_000): Promise<Map<string, unknown>> {
    if (this.closedError) throw this.closedError;
    const id = this.nextId++;
    const reply = await new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new PairClientError('no-answer', `no answer from the lock on ${this.portName} within ${Math.round(timeoutMs / 1000)} s: check the cable, the baud rate (--baud) and that the lock is powered and running`));
      }, timeoutMs);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.link.write(encodeFrame(encodeRequest(id, op, body))).catch((error: unknown) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(new PairClientError('line-closed', `cannot write to ${this.portName}: ${(error as Error).message}`));
      });
    });
    if (!reply.ok) throw new PairClientError('refused', reply.error.message, reply.error.code);
    return reply.body;
  }

  /** Close the line; a request still waiting ends with its own timeout. */
  close(): Promise<void> {
    return this.link.close();
  }

  private onFrame(payload: Uint8Array): void {
    let reply: Reply | null = null;
    try {
      reply = parseReply(payload);
    } catch {
      reply = null;
    }
    const resolve = reply ? this.waiting.get(reply.id) : undefined;
    if (!reply || !resolve) {
      this.unreadable++;
      return;
    }
    this.waiting.delete(reply.id);
    resolve(reply);
  }
}
