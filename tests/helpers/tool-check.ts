// Vitest global setup: one line per missing system tool before the run. The suites needing it skip,
// or, under CI=true, fail at collection naming the tool (tests/helpers/tools.ts requireTool).
import { inCi, missingLine, TOOLS, toolPath } from './tools.js';

export default function checkTools(): void {
  // One line per package: mosquitto and mosquitto_passwd come together.
  const byInstall = new Map<string, { commands: string[]; suites: Set<string> }>();
  for (const [command, tool] of Object.entries(TOOLS)) {
    if (toolPath(command)) continue;
    const entry = byInstall.get(tool.install) ?? { commands: [], suites: new Set<string>() };
    entry.commands.push(command);
    entry.suites.add(tool.suites);
    byInstall.set(tool.install, entry);
  }
  for (const [install, { commands, suites }] of byInstall) {
    const line = missingLine(commands.join(', '), install, inCi());
    process.stderr.write(`${inCi() ? 'missing tool' : 'skip notice'}: ${line} [${[...suites].join(', ')}]\n`);
  }
}
