// Opens a board: the IO plugin boards.json names (loaded by name, real-board packages lazily), a
// johnny-five Board on it, and every port the profile wires. main.ts and the tests open boards
// here; what runs on the ports (the lock) is composed in firmware/boot.ts alone.
import type { BoardProfile } from './boards.js';
import { createJohnnyFivePorts, type JohnnyFivePorts, openBoard } from './johnny-five/ports.js';
import type { Clock } from './ports/clock.js';
import type { RandomSource } from './ports/random.js';
import type { SimBoard, SimBoardOptions } from '../sim/board.js';

/** What loading an IO plugin gave: a real board's plugin, or the simulated world with its plugin. */
export type LoadedPlugin = { kind: 'package'; name: string; io: unknown } | { kind: 'sim'; io: unknown; world: SimBoard };

type PluginLoader = (profile: BoardProfile, clock: Clock, random: RandomSource, world?: Partial<SimBoardOptions>) => Promise<LoadedPlugin>;

/** IO plugins by the name boards.json gives them. Real-board plugins are optional installs. */
export const IO_PLUGINS: Record<string, PluginLoader> = {
  async sim(profile, clock, random, world) {
    const { SimBoard } = await import('../sim/board.js');
    const board = new SimBoard(profile, { clock, random, ...world });
    return { kind: 'sim', io: board.io, world: board };
  },
  gpiod: async (profile, clock) => ({ kind: 'package', name: 'gpiod', ...(await (await import('./gpiod/index.js')).loadGpiodPlugin(profile, clock)) }),
  'pi-io': (profile) => loadPackagePlugin('pi-io', profile),
  'beaglebone-io': (profile) => loadPackagePlugin('beaglebone-io', profile),
};

export class BoardOpenError extends Error {
  override readonly name = 'BoardOpenError';
  constructor(
    message: string,
    readonly code: 'E_UNKNOWN_PLUGIN' | 'E_PLUGIN_MISSING' | 'E_NOT_SIMULATED',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

async function loadPackagePlugin(name: string, profile: BoardProfile): Promise<LoadedPlugin> {
  let mod: { default: new (options?: unknown) => unknown };
  try {
    mod = await import(name);
  } catch (error) {
    throw new BoardOpenError(`this board needs the IO plugin package "${name}": run "npm install ${name}" on the board`, 'E_PLUGIN_MISSING', { cause: error });
  }
  return { kind: 'package', name, io: new mod.default(profile.io.options) };
}

/** Load the profile's IO plugin by name. */
export async function loadIoPlugin(profile: BoardProfile, clock: Clock, random: RandomSource, world?: Partial<SimBoardOptions>): Promise<LoadedPlugin> {
  const loader = IO_PLUGINS[profile.io.plugin];
  if (!loader) throw new BoardOpenError(`unknown IO plugin "${profile.io.plugin}"; known: ${Object.keys(IO_PLUGINS).join(', ')}`, 'E_UNKNOWN_PLUGIN');
  return loader(profile, clock, random, world);
}

export interface OpenedBoard {
  /** Every port the profile wires, inputs read; `close()` stops the motor and releases the board. */
  ports: JohnnyFivePorts;
  /** The simulated world, when the plugin is the simulator. */
  world: SimBoard | null;
}

/**
 * A johnny-five Board on a loaded plugin, and the ports on it. Port-level devices come from the
 * world (the simulator's phone reader and barcode scanner) or from a serial line the profile names.
 */
export async function openPorts(profile: BoardProfile, plugin: LoadedPlugin, clock: Clock): Promise<OpenedBoard> {
  const board = await openBoard(plugin.io);
  const ports = createJohnnyFivePorts(board, profile, clock);
  const world = plugin.kind === 'sim' ? plugin.world : null;
  if (world) {
    ports.credentials = world.credentialReader;
    ports.barcode = world.barcodeReader ?? undefined;
  } else if (profile.devices.barcode) {
    const [{ openSerialLink }, { SerialBarcodeReader }] = await Promise.all([import('./node/serial-link.js'), import('./node/serial-barcode.js')]);
    const reader = new SerialBarcodeReader(await openSerialLink(profile.devices.barcode.path, profile.devices.barcode.baudRate));
    ports.barcode = reader;
    const close = ports.close.bind(ports);
    ports.close = async () => {
      reader.close();
      await close();
    };
  }
  return { ports, world };
}
