// boards.json validation: every shipped profile loads; bad files are refused naming board and field.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BoardConfigError, loadBoard, parseBoards } from '../../hal/boards.js';

const shipped = JSON.parse(readFileSync('boards.json', 'utf8'));
const clone = () =>
  structuredClone(shipped) as {
    boards: Record<string, { devices: Record<string, unknown>; features: Record<string, unknown> }>;
  };

function refusal(mutate: (file: ReturnType<typeof clone>) => void): BoardConfigError {
  const file = clone();
  mutate(file);
  try {
    parseBoards(file);
  } catch (error) {
    expect(error).toBeInstanceOf(BoardConfigError);
    return error as BoardConfigError;
  }
  throw new Error('expected the file to be refused');
}

describe('boards.json', () => {
  it.each(['sim', 'rpi4', 'rpi-zero-2w', 'beaglebone-black', 'parcel-box-sim'])('profile %s loads', (name) => {
    const profile = loadBoard('boards.json', name);
    expect(profile.devices.bolt.travelTimeoutMs).toBeGreaterThan(0);
  });

  it('refuses an unknown board and lists the known ones', () => {
    const error = (() => {
      try {
        loadBoard('boards.json', 'rpi3');
      } catch (e) {
        return e as BoardConfigError;
      }
    })()!;
    expect(error.message).toBe(
      'unknown board "rpi3"; known boards: sim, rpi4, rpi5, rpi4-pigpio, rpi-zero-2w, rpi-zero-2w-pigpio, beaglebone-black, beaglebone-black-linux-io, parcel-box-sim',
    );
    expect(error.known).toEqual(['sim', 'rpi4', 'rpi5', 'rpi4-pigpio', 'rpi-zero-2w', 'rpi-zero-2w-pigpio', 'beaglebone-black', 'beaglebone-black-linux-io', 'parcel-box-sim']);
  });

  it('names the board and field of a wrong type', () => {
    const error = refusal((f) => {
      (f.boards.rpi4!.devices.door as Record<string, unknown>).activeLow = 'yes';
    });
    expect(error.board).toBe('rpi4');
    expect(error.field).toBe('devices.door.activeLow');
    expect(error.message).toContain('board "rpi4": devices.door.activeLow:');
  });

  it('names a missing role', () => {
    const error = refusal((f) => {
      delete f.boards.sim!.devices.boltLockedSwitch;
    });
    expect(error.field).toBe('devices.boltLockedSwitch');
  });

  it('refuses an unknown field', () => {
    const error = refusal((f) => {
      f.boards.sim!.devices.doorbell = { pin: 'GPIO2' };
    });
    expect(error.board).toBe('sim');
    expect(error.message).toContain('doorbell');
  });

  it('refuses one pin given two roles', () => {
    const error = refusal((f) => {
      (f.boards.sim!.devices.tamper as Record<string, unknown>).pin = 'GPIO16';
    });
    expect(error.field).toBe('devices.tamper.pin');
    expect(error.message).toContain('already used by devices.door.pin');
  });

  it('refuses internal pull-ups on a board without them (BeagleBone)', () => {
    const error = refusal((f) => {
      (f.boards['beaglebone-black']!.devices.door as Record<string, unknown>).pull = 'up';
    });
    expect(error).toMatchObject({ board: 'beaglebone-black', field: 'devices.door.pull' });
  });

  it('refuses a battery gauge on a board without an ADC', () => {
    const error = refusal((f) => {
      f.boards.rpi4!.devices.battery = { pin: 'GPIO2', emptyRaw: 1, fullRaw: 2, sampleMs: 1000 };
    });
    expect(error).toMatchObject({ board: 'rpi4', field: 'devices.battery' });
  });

  it('refuses a keypad layout that does not match its rows and columns', () => {
    const error = refusal((f) => {
      f.boards.sim!.devices.keypadLayout = ['123', '456', '789'];
    });
    expect(error.field).toBe('devices.keypadLayout');
  });

  it('refuses a file that is not JSON', () => {
    expect(() => loadBoard('README.md', 'sim')).toThrow(/cannot read or parse/);
  });

  it('loading one board validates the file and that profile, the same way, and not the others', () => {
    const file = clone();
    (file.boards.sim!.devices.tamper as Record<string, unknown>).pin = 'GPIO16';
    (file.boards.rpi4!.devices.door as Record<string, unknown>).activeLow = 'yes';
    const path = join(mkdtempSync(join(tmpdir(), 'boards-')), 'boards.json');
    writeFileSync(path, JSON.stringify(file));
    expect(() => loadBoard(path, 'sim')).toThrow(`${path}: board "sim": devices.tamper.pin: pin GPIO16 is already used by devices.door.pin`);
    expect(() => loadBoard(path, 'rpi4')).toThrow(/board "rpi4": devices\.door\.activeLow:/);
    expect(loadBoard(path, 'rpi5').devices.bolt.travelTimeoutMs).toBe(shipped.boards.rpi5.devices.bolt.travelTimeoutMs);
    writeFileSync(path, JSON.stringify({ boards: 'none' }));
    expect(() => loadBoard(path, 'sim')).toThrow(`${path}: boards:`);
  });
});
