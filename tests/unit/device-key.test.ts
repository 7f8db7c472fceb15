// The device key at first boot when it cannot be saved (a full or failing card): the lock still
// gets a key for this run and says so, leaves no empty key file behind, and saves one at a later
// boot; an attestation never uses a key that was not saved.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDeviceIdentity, loadOrCreateIdentity } from '../../firmware/identity.js';
import { seededRandom } from '../../hal/node/random.js';

describe('the device key on a card that refuses it', () => {
  it('lasts one run and says so, leaves no key file, and is saved whole at the next boot that can', () => {
    const dir = mkdtempSync(join(tmpdir(), 'device-key-'));
    // The temp file cannot be written (a directory in its place): as a full card's write would fail.
    mkdirSync(join(dir, 'device.key.tmp'));
    const first = loadDeviceIdentity(dir, seededRandom(1));
    expect(first.saved).toBe(false);
    expect(first.damaged).toMatch(/could not be saved \(EISDIR\): it lasts this run only/);
    expect(first.identity.sign(new Uint8Array([1]))).toHaveLength(64);
    expect(existsSync(join(dir, 'device.key'))).toBe(false); // no empty or partial key file
    expect(() => loadOrCreateIdentity(dir, seededRandom(2))).toThrow(expect.objectContaining({ code: 'E_STORE' }));
    rmSync(join(dir, 'device.key.tmp'), { recursive: true });
    const second = loadDeviceIdentity(dir, seededRandom(3));
    expect(second).toMatchObject({ saved: true, damaged: null });
    expect(readFileSync(join(dir, 'device.key'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(Buffer.from(loadOrCreateIdentity(dir, seededRandom(4)).publicKey)).toEqual(Buffer.from(second.identity.publicKey));
  });
});
