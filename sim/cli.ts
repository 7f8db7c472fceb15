// `npm run sim` arguments: --help, the board (simulated ones only), the broker port, JSON or
// readable logs, and whether colours are wanted (a terminal, and NO_COLOR unset).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseBoards } from '../hal/boards.js';

export const SIM_HELP = `npm run sim -- [options]

  The lock firmware on a simulated board, in real time, with keys to act on the world (h lists them).

  --board NAME       a simulated board from boards.json (default sim; also parcel-box-sim)
  --config FILE      the lock's config (lock.json); with "pairing" it waits for lockctl pair
  --mqtt-url URL     use a real broker instead of the in-process one
  --mqtt-port N      the in-process broker's port (default: a free one)
  --json             JSON log lines with every field, debug level included (default: one readable line per action)
  --verbose          readable lines with their details (debug level)
  --help             this text

  Colours only on a terminal, and never with NO_COLOR set (https://no-color.org).`;

export interface SimArgs {
  board: string;
  config: string | null;
  mqttUrl: string | null;
  mqttPort: number;
  json: boolean;
  verbose: boolean;
}

export class SimUsageError extends Error {
  override readonly name = 'SimUsageError';
}

/** Parse the command line; `null` means --help was asked for. Throws SimUsageError with a sentence. */
export function parseSimArgs(argv: string[], boardsPath = 'boards.json'): SimArgs | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        help: { type: 'boolean', short: 'h' },
        config: { type: 'string' },
        board: { type: 'string', default: 'sim' },
        json: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        'mqtt-url': { type: 'string' },
        'mqtt-port': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new SimUsageError(`${(error as Error).message}; see npm run sim -- --help`);
  }
  if (values.help) return null;
  const port = values['mqtt-port'] === undefined ? 0 : Number(values['mqtt-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SimUsageError(`--mqtt-port must be a port number (1-65535), got "${values['mqtt-port']}"`);
  if (values['mqtt-port'] !== undefined && values['mqtt-url']) throw new SimUsageError('--mqtt-port sets the in-process broker; with --mqtt-url there is none');
  checkSimulated(values.board!, boardsPath);
  return { board: values.board!, config: values.config ?? null, mqttUrl: values['mqtt-url'] ?? null, mqttPort: port, json: values.json!, verbose: values.verbose! };
}

/** Only boards whose IO plugin is the simulator run here; a real board is `npm start` on that board. */
export function checkSimulated(board: string, boardsPath = 'boards.json'): void {
  const boards = parseBoards(JSON.parse(readFileSync(boardsPath, 'utf8')), boardsPath);
  const simulated = [...boards].filter(([, p]) => p.io.plugin === 'sim').map(([name]) => name);
  const profile = boards.get(board);
  if (!profile) throw new SimUsageError(`unknown board "${board}"; simulated boards: ${simulated.join(', ')}`);
  if (profile.io.plugin !== 'sim') {
    throw new SimUsageError(`"${board}" is not a simulated board (it is real hardware, IO plugin ${profile.io.plugin}): run "npm start -- --board ${board}" on the board itself; simulated boards: ${simulated.join(', ')}`);
  }
}

/** Colours: only on a terminal, never with NO_COLOR set (any non-empty value); FORCE_COLOR forces them. */
export function wantColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** A `mosquitto_sub` command that shows everything the simulated lock publishes, Home Assistant included. */
export function watchCommand(port: number, lockId: string): string {
  return `mosquitto_sub -h 127.0.0.1 -p ${port} -t 'locks/${lockId}/#' -t 'homeassistant/#' -v`;
}
