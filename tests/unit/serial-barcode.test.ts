// The serial barcode scanner driver over serialport's mock binding: the same contract as the
// simulated scanner (tests/contract/ports.contract.ts), checked with the binding's asynchrony.
import { SerialPortMock } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialBarcodeReader } from '../../hal/node/serial-barcode.js';
import { wrapSerialPort } from '../../hal/node/serial-link.js';

afterEach(() => SerialPortMock.binding.reset());

async function scanner() {
  SerialPortMock.binding.createPort('/dev/mock-scanner', { echo: false, record: false });
  const port = new SerialPortMock({ path: '/dev/mock-scanner', baudRate: 9600, autoOpen: false });
  const reader = new SerialBarcodeReader(await wrapSerialPort(port));
  const seen: string[] = [];
  reader.onScan((code) => seen.push(code));
  const emit = async (text: string | Buffer) => {
    (port as unknown as { port: { emitData(d: Buffer): void } }).port.emitData(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'));
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  };
  return { reader, seen, emit };
}

describe('serial barcode scanner', () => {
  it('one scan per line, CR, LF or CR LF, however the bytes are split', async () => {
    const s = await scanner();
    await s.emit('1Z999AA1012');
    await s.emit('3456784\r\nJD0146000062812');
    await s.emit('34567\rTBA123\n');
    expect(s.seen).toEqual(['1Z999AA10123456784', 'JD014600006281234567', 'TBA123']);
    s.reader.close();
  });

  it('drops lines over 128 characters and lines with control or non-ASCII bytes, and counts them', async () => {
    const s = await scanner();
    await s.emit(`${'9'.repeat(129)}\n${'8'.repeat(128)}\n`);
    await s.emit(Buffer.from([0x41, 0x07, 0x42, 0x0a, 0x41, 0xe9, 0x0a]));
    await s.emit('OK1\n');
    expect(s.seen).toEqual(['8'.repeat(128), 'OK1']);
    expect(s.reader.dropped).toBe(3);
    s.reader.close();
  });

  it('stops reporting once a listener unsubscribes', async () => {
    const s = await scanner();
    const extra: string[] = [];
    const off = s.reader.onScan((c) => extra.push(c));
    off();
    await s.emit('ABC\n');
    expect(extra).toEqual([]);
    expect(s.seen).toEqual(['ABC']);
    s.reader.close();
  });
});
