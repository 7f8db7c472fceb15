// Test harness: the gpiod IO plugin on AN IN-MEMORY GPIO binding (hal/gpiod/in-memory.ts), wired to
// the simulated board's physics, under the real johnny-five drivers, on simulated time. Same shape
// as startSimPorts, so the port contract suites run over it unchanged.
import type { BoardProfile } from '../../hal/boards.js';
import { loadBoard } from '../../hal/boards.js';
import { type GpiodIO, gpiodOptionsFromProfile, loadGpiodPlugin } from '../../hal/gpiod/index.js';
import { InMemoryAnalog, InMemoryGpiodBinding, InMemoryPwm } from '../../hal/gpiod/in-memory.js';
import { createJohnnyFivePorts, openBoard } from '../../hal/johnny-five/ports.js';
import { purgeJohnnyFive } from '../../hal/johnny-five/purge.js';
import { seededRandom } from '../../hal/node/random.js';
import { SimBoard } from '../../sim/board.js';
import { SimControl } from '../../sim/control/control.js';
import { installSimTime } from '../../sim/time.js';
import { settle, type SimPorts } from './sim-lock.js';

export interface GpiodPorts extends SimPorts {
  io: GpiodIO;
  /** The in-memory kernel: line requests, bias, debounce, what each output drives. */
  gpio: InMemoryGpiodBinding;
  pwm: InMemoryPwm;
  /** Chip device name (gpiochipN) and offset of a board pin. */
  lineOf(pin: string): { chip: string; offset: number };
}

/** In-memory chips for a profile: a chip named by label gets a gpiochipN device name in order. */
function chipsFor(profile: BoardProfile) {
  const names = new Map<string, string>();
  const specs: { name: string; label: string; lines: number }[] = [];
  for (const { chip } of Object.values(gpiodOptionsFromProfile(profile).lines)) {
    if (names.has(chip)) continue;
    const name = /^gpiochip\d+$/.test(chip) ? chip : `gpiochip${specs.length + 10}`;
    names.set(chip, name);
    specs.push({ name, label: name === chip ? `bank-${chip.slice(8)}` : chip, lines: 64 });
  }
  return { names, specs };
}

export async function startGpiodPorts(options: { board: string; editProfile?: (p: BoardProfile) => void }): Promise<GpiodPorts> {
  const time = installSimTime();
  try {
    const profile = structuredClone(loadBoard('boards.json', options.board));
    options.editProfile?.(profile);
    const world = new SimBoard(profile, { clock: time.clock, random: seededRandom(1) });
    const control = new SimControl(world, time.clock);
    const { names, specs } = chipsFor(profile);
    const gpio = new InMemoryGpiodBinding(specs, time.clock);
    const wiring = gpiodOptionsFromProfile(profile);
    const lineOf = (pin: string) => {
      const spec = wiring.lines[pin];
      if (!spec) throw new Error(`pin ${pin} has no line`);
      return { chip: names.get(spec.chip)!, offset: spec.offset };
    };
    // The wires between the kernel's lines and the world's physics.
    for (const pin of Object.keys(wiring.lines)) {
      const { chip, offset } = lineOf(pin);
      const index = world.io.index(pin);
      gpio.setLevel(chip, offset, world.io.readOutput(index));
      world.io.onInput(index, (level) => gpio.setLevel(chip, offset, level));
      gpio.onOutput(chip, offset, (level) => world.io.digitalWrite(index, level));
    }
    const pwmChips: Record<string, number> = {};
    for (const spec of Object.values(wiring.pwmChannels ?? {})) pwmChips[spec.chip] = 4;
    const pwm = new InMemoryPwm(pwmChips);
    pwm.onChange((chip, channel, s) => {
      const pin = Object.entries(wiring.pwmChannels ?? {}).find(([, p]) => p.chip === chip && p.channel === channel)?.[0];
      if (!pin) return;
      if (s.periodNs === 20_000_000) world.io.servoWrite(pin, s.enabled ? s.dutyNs / 1000 : 0);
      else world.io.analogWrite(pin, s.enabled ? Math.round((255 * s.dutyNs) / s.periodNs) : 0);
    });
    const analog = new InMemoryAnalog(
      Object.fromEntries(Object.entries(wiring.analogInputs ?? {}).map(([pin, path]) => [path, () => world.io.readOutput(world.io.index(pin))])),
    );
    const { io } = await loadGpiodPlugin(profile, time.clock, { binding: gpio, pwm, analog });
    const board = await openBoard(io);
    const ports = createJohnnyFivePorts(board, profile, time.clock);
    ports.credentials = world.credentialReader;
    await settle(ports.ready(), time);
    const release = () => {
      io.close();
      world.io.close();
      time.uninstall();
      purgeJohnnyFive();
    };
    return { time, world, control, ports, profile, release, io, gpio, pwm, lineOf };
  } catch (error) {
    time.uninstall();
    purgeJohnnyFive();
    throw error;
  }
}
