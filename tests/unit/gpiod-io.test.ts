// The gpiod IO plugin's own rules, on AN IN-MEMORY GPIO binding: line bias, kernel debounce,
// active-low lines, PWM channels, busy lines and absent chips as typed errors, lines released on close.
import { describe, expect, it } from 'vitest';
import { BoardConfigError, parseBoards } from '../../hal/boards.js';
import { GpiodBindingError, loadGpiodBinding } from '../../hal/gpiod/binding.js';
import { GpiodIO, GpiodIOError } from '../../hal/gpiod/gpiod-io.js';
import { InMemoryAnalog, InMemoryGpiodBinding, InMemoryPwm } from '../../hal/gpiod/in-memory.js';
import { readFileSync } from 'node:fs';
import { installSimTime } from '../../sim/time.js';
import { startGpiodPorts } from '../helpers/gpiod-board.js';

describe('gpiod plugin on a board profile', () => {
  it('asks the kernel for the bias, edges and debounce each input needs (rpi4)', async () => {
    const g = await startGpiodPorts({ board: 'rpi4' });
    try {
      const door = g.lineOf('GPIO16');
      expect(g.gpio.lineState(door.chip, door.offset)).toMatchObject({ direction: 'input', bias: 'pull-up', edges: true, debounceUs: 30_000, consumer: 'lockd' });
      const recording = g.lineOf('GPIO19');
      expect(g.gpio.lineState(recording.chip, recording.offset)).toMatchObject({ bias: 'pull-down', debounceUs: 10_000 });
      const column = g.lineOf('GPIO24');
      expect(g.gpio.lineState(column.chip, column.offset)).toMatchObject({ direction: 'input', bias: 'pull-up' });
      const row = g.lineOf('GPIO17');
      expect(g.gpio.lineState(row.chip, row.offset)).toMatchObject({ direction: 'output' });
      // The motor's enable pin is a PWM channel, never requested as a GPIO line (that would take it from the PWM block).
      expect(() => g.lineOf('GPIO12')).toThrow();
    } finally {
      g.release();
    }
  });

  it('leaves bias alone where the profile says resistors are fitted (BeagleBone Black)', async () => {
    const g = await startGpiodPorts({ board: 'beaglebone-black' });
    try {
      const door = g.lineOf('P8_11');
      expect(g.gpio.lineState(door.chip, door.offset)).toMatchObject({ bias: 'as-is', edges: true });
      expect(door).toEqual({ chip: 'gpiochip1', offset: 13 });
    } finally {
      g.release();
    }
  });

  it('lets the kernel debounce a bouncing contact into one edge', async () => {
    const g = await startGpiodPorts({ board: 'rpi4' });
    try {
      const door = g.lineOf('GPIO16');
      const before = g.gpio.stats.edges;
      for (let i = 0; i < 6; i++) {
        g.gpio.setLevel(door.chip, door.offset, i % 2);
        g.time.advance(3);
      }
      g.gpio.setLevel(door.chip, door.offset, 1);
      g.time.advance(40); // the kernel's 30 ms, then the drivers' own 30 ms
      expect(g.gpio.stats.edges - before).toBe(1);
      g.time.advance(40);
      expect(g.ports.door.read()).toBe('open');
    } finally {
      g.release();
    }
  });

  it('drives a servo bolt through a 20 ms PWM channel (Zero 2 W)', async () => {
    const g = await startGpiodPorts({ board: 'rpi-zero-2w' });
    try {
      g.ports.bolt.drive('retract');
      g.time.advance(50);
      const s = g.pwm.channels.get('pwmchip0/0')!;
      expect(s.periodNs).toBe(20_000_000);
      expect(s.enabled).toBe(true);
      expect(s.dutyNs).toBeGreaterThan(400_000);
    } finally {
      g.release();
    }
  });

  it('gives every line back on close', async () => {
    const g = await startGpiodPorts({ board: 'rpi5' });
    expect(g.gpio.requested).toBeGreaterThan(10);
    g.release();
    expect(g.gpio.requested).toBe(0);
  });

  it('refuses a line another program holds, naming the pin', async () => {
    const err = await startGpiodPorts({
      board: 'rpi4',
      editProfile: (p) => {
        p.io.lines!.GPIO16 = { chip: 'pinctrl-bcm2711', offset: 20 }; // the locked switch's line, taken first
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpiodIOError);
    expect((err as GpiodIOError).code).toBe('E_GPIO_LINE');
    expect((err as Error).message).toMatch(/pin GPIO(16|20): .*another program holds it/);
  });
});

describe('gpiod plugin parts', () => {
  const lines = { A: { chip: 'gpiochip0', offset: 3 }, B: { chip: 'gpiochip0', offset: 4, activeLow: true } };
  const make = (chips = [{ name: 'gpiochip0', label: 'test', lines: 8 }]) => {
    const time = installSimTime();
    const gpio = new InMemoryGpiodBinding(chips, time.clock);
    const build = () => new GpiodIO({ binding: gpio, pwm: new InMemoryPwm({}), analog: new InMemoryAnalog({}), clock: time.clock, lines });
    return { time, gpio, build };
  };

  it('names the chips it found when the profile names an absent one', () => {
    const { time, build } = make([{ name: 'gpiochip1', label: 'other', lines: 8 }]);
    try {
      expect(build).toThrow(/no GPIO chip "gpiochip0" on this machine; chips: \/dev\/gpiochip1 \(other\)/);
    } finally {
      time.uninstall();
    }
  });

  it('inverts at the line when the line spec says activeLow', () => {
    const { time, gpio, build } = make();
    try {
      const io = build();
      io.pinMode('B', io.MODES.OUTPUT);
      io.digitalWrite('B', 1);
      expect(gpio.level('gpiochip0', 4)).toBe(0);
      io.digitalWrite('A', 1);
      expect(gpio.level('gpiochip0', 3)).toBe(1);
      expect(() => io.pinMode('A', io.MODES.PWM)).toThrow(/has no PWM channel/);
      io.close();
    } finally {
      time.uninstall();
    }
  });

  it('says how to get the binding when it is missing', () => {
    expect(() => loadGpiodBinding(['/nonexistent/gpiod.node'])).toThrow(GpiodBindingError);
    expect(() => loadGpiodBinding(['/nonexistent/gpiod.node'])).toThrow(/npm run build:native/);
  });
});

describe('gpiod board profiles are validated', () => {
  const raw = () => JSON.parse(readFileSync('boards.json', 'utf8')) as { boards: Record<string, { io: Record<string, unknown> }> };
  const fieldOf = (edit: (b: ReturnType<typeof raw>) => void) => {
    const file = raw();
    edit(file);
    try {
      parseBoards(file);
      return null;
    } catch (e) {
      expect(e).toBeInstanceOf(BoardConfigError);
      return `${(e as BoardConfigError).board} ${(e as BoardConfigError).field}`;
    }
  };
  it('accepts the shipped file', () => expect(fieldOf(() => {})).toBeNull());
  it('needs a line for every digital pin', () =>
    expect(fieldOf((f) => delete (f.boards.rpi5!.io.lines as Record<string, number>).GPIO16)).toBe('rpi5 io.lines'));
  it('needs a PWM channel for the motor enable pin', () => expect(fieldOf((f) => delete f.boards.rpi4!.io.pwm)).toBe('rpi4 io.pwm'));
  it('needs io.chip for bare offsets', () => expect(fieldOf((f) => delete f.boards['rpi-zero-2w']!.io.chip)).toBe('rpi-zero-2w io.lines.GPIO4'));
  it('needs an IIO file for the battery gauge', () => expect(fieldOf((f) => delete f.boards['beaglebone-black']!.io.analog)).toBe('beaglebone-black io.analog'));
  it('rejects a PWM chip that is not a pwmchip', () =>
    expect(fieldOf((f) => ((f.boards.rpi4!.io.pwm as Record<string, { chip: string }>).GPIO12!.chip = '/dev/mem'))).toBe('rpi4 io.pwm.GPIO12.chip'));
});
