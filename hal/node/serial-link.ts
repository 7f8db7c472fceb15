// The SerialLink port over serialport: a UART or USB serial adapter on the board, a pseudo-terminal
// in tests, or serialport's mock binding in unit tests. Opening errors say what a person can do.
import { SerialPort, type SerialPortMock } from 'serialport';
import { HalError, type Unsubscribe } from '../ports/errors.js';
import type { SerialLink } from '../ports/serial-link.js';

type Port = SerialPort | SerialPortMock;

/** Open `path` at `baudRate` and wait for it; errors are HalErrors a person can act on. */
export function openSerialLink(path: string, baudRate: number): Promise<SerialLink> {
  return wrapSerialPort(new SerialPort({ path, baudRate, autoOpen: false }));
}

/** Open an unopened serialport instance (any binding) and expose it as a SerialLink. */
export function wrapSerialPort(port: Port): Promise<SerialLink> {
  return new Promise((resolve, reject) => {
    port.open((error) => {
      if (error) reject(explainOpenError(port.path, error));
      else resolve(new SerialPortLink(port));
    });
  });
}

export function explainOpenError(path: string, error: Error): HalError {
  const text = error.message;
  if (/No such file|ENOENT|not found/i.test(text)) return new HalError('E_IO', `no serial port at ${path}: is the cable plugged in? (ls /dev/ttyUSB* /dev/ttyACM*)`, { cause: error });
  if (/lock port|busy|EBUSY|temporarily unavailable/i.test(text)) return new HalError('E_BUSY', `${path} is in use by another program (screen, minicom, another lockctl): close it and try again`, { cause: error });
  if (/permission|EACCES/i.test(text)) return new HalError('E_IO', `no permission to open ${path}: add yourself to the dialout group, or run with sudo`, { cause: error });
  return new HalError('E_IO', `cannot open ${path}: ${text}`, { cause: error });
}

class SerialPortLink implements SerialLink {
  private closed = false;
  private readonly closeListeners = new Set<(error?: Error) => void>();

  constructor(private readonly port: Port) {
    port.on('close', (error?: Error & { disconnected?: boolean }) => {
      const wasOpen = !this.closed;
      this.closed = true;
      if (wasOpen) for (const listener of this.closeListeners) listener(error ?? undefined);
    });
    // An 'error' event with no listener would crash the process: the line failing is reported on close.
    port.on('error', () => {});
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new HalError('E_CLOSED', 'serial link is closed'));
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(bytes), (error) => {
        if (error) return reject(new HalError('E_IO', `serial write failed: ${error.message}`, { cause: error }));
        this.port.drain((drainError) => (drainError ? reject(new HalError('E_IO', `serial drain failed: ${drainError.message}`, { cause: drainError })) : resolve()));
      });
    });
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    const handler = (chunk: Buffer) => listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    this.port.on('data', handler);
    return () => this.port.off('data', handler);
  }

  onClose(listener: (error?: Error) => void): Unsubscribe {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}
