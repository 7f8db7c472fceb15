// The serial barcode scanner driver over serialport's mock binding: the port's contract suite
// (tests/contract/ports.contract.ts, the same the simulated scanner runs), then what is particular
// to a serial line (line endings, bytes split anyhow, junk counted), with the binding's asynchrony.
import { SerialPortMock } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialBarcodeReader } from '../../hal/node/serial-barcode.js';
import { wrapSerialPort } from '../../hal/node/serial-link.js';
import { barcodeReaderContract } from '../contract/ports.contract.js';
import { waitUntil } from '../helpers/wait.js';

afterEach(() => SerialPortMock.binding.reset());

async function scanner() {
  SerialPortMock.binding.createPort('/dev/mock-scanner', { echo: false, record: false });
  const port = new SerialPortMock({ path: '/dev/mock-scanner', baudRate: 9600, autoOpen: false });
  const reader = new SerialBarcodeReader(await wrapSerialPort(port));
  const seen: string[] = [];
  reader.onScan((code) => seen.push(code));
  let sent = 0;
  let received = 0;
  port.on('data', (d: Buffer) => (received += d.length));
  /** Hand the bytes to the mock binding; resolve once the driver has read them all (a condition, not counted turns). */
  const emit = async (text: string | Buffer) => {
    const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1');
    sent += bytes.length;
    (port as unknown as { port: { emitData(d: Buffer): void } }).port.emitData(bytes);
    await waitUntil(() => received >= sent, `the driver to read ${sent} bytes`, 10_000);
  };
  return { reader, seen, emit };
}

/** A rig for the contract: a scan is a line of bytes on the mock port; time passing waits until they arrived. */
async function serialRig() {
  SerialPortMock.binding.createPort('/dev/mock-scanner', { echo: false, record: false });
  const port = new SerialPortMock({ path: '/dev/mock-scanner', baudRate: 9600, autoOpen: false });
  const link = await wrapSerialPort(port);
  let sent = 0;
  let received = 0;
  link.onData((chunk) => (received += chunk.length));
  const reader = new SerialBarcodeReader(link);
  return {
    port: reader,
    rig: {
      scan(text: string) {
        const bytes = Buffer.from(`${text}\r\n`, 'latin1');
        sent += bytes.length;
        (port as unknown as { port: { emitData(d: Buffer): void } }).port.emitData(bytes);
      },
      async advance() {
        await waitUntil(() => received >= sent, 'the scanned bytes to arrive', 10_000);
      },
      async release() {
        reader.close();
        await link.close();
      },
    },
  };
}

describe('serial barcode scanner: the barcode reader contract', () => barcodeReaderContract(serialRig));

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
});
