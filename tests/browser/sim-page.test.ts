// The simulator's web page in real headless Chromium, against `npm run sim` in its own process:
// typing 2580# withdraws the drawn bolt and puts a signed `access ok` in the timeline; a jammed bolt
// shows as jammed; a camera that fails during the demo delivery gives a refusal and an alarm; the
// page comes back by itself after the simulator restarts; the parcel box gets its own drawing.
// Screenshots go to $SCREENSHOT_DIR (docs/img for the README), else to a temporary directory.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPresent, chromiumRequired, launchChromium } from '../helpers/chromium.js';
import { type SimProcess, startSimProcess } from '../helpers/sim-process.js';
import { simWeb } from '../helpers/sim-web.js';

const WAIT = 30_000;

// Functions given to the page run in the browser; the little of its DOM they use, declared here
// (this project's types are Node's, and the page's Content-Security-Policy forbids strings to eval).
interface PageElement {
  dataset: Record<string, string | undefined>;
  classList: { contains(name: string): boolean };
  textContent: string | null;
  innerText: string;
}
declare const document: { documentElement: PageElement; getElementById(id: string): PageElement };
declare const performance: { getEntriesByType(type: 'navigation'): { transferSize: number; encodedBodySize: number; decodedBodySize: number; domContentLoadedEventEnd: number }[] };
const shots = process.env.SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'sim-shots-'));
mkdirSync(shots, { recursive: true });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function stopSim(sim: SimProcess | undefined): Promise<void> {
  if (!sim || sim.proc.exitCode !== null) return;
  sim.proc.kill('SIGINT');
  await sim.exited;
}

const run = chromiumPresent || chromiumRequired;

if (!run) console.warn('browser tests skipped: /usr/bin/chromium is absent (apt-get install chromium; with CI=true this is a failure)');

describe.runIf(run)('the web page, in headless Chromium', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  const sims: SimProcess[] = [];
  const start = (args: string[], env: Record<string, string> = {}) => {
    const sim = startSimProcess(args, env);
    sims.push(sim);
    return sim;
  };

  beforeAll(async () => {
    if (!chromiumPresent) throw new Error('CI is set and /usr/bin/chromium is missing: .ci/run installs it with apt-get');
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    for (const sim of sims) await stopSim(sim);
    await browser?.close();
  }, 60_000);

  const timelineEntry = (page: Page, text: string) => page.locator('#timeline li', { hasText: text }).first();
  /** Wait for a condition in the page; on timeout say what the page showed. */
  const until = async (page: Page, what: string, fn: (arg: string | undefined) => boolean, arg?: string, ms = WAIT) => {
    try {
      await page.waitForFunction(fn, arg, { timeout: ms });
    } catch (error) {
      const shown = await page.evaluate(() => `${document.getElementById('summary').textContent}\n${document.getElementById('timeline').innerText}`);
      throw new Error(`${what}: ${(error as Error).message}\nthe page showed:\n${shown}`);
    }
  };

  it('draws the door: 2580# withdraws the bolt and logs a signed access ok; jam, camera failure, and a restart', async () => {
    const port = await freePort();
    const env = { LOCK_SIM_PORT: String(port), LOCK_SIM_TOKEN: 'browser-test-token' };
    let sim = start([], env);
    const web = await simWeb(sim);
    const page = await browser.context.newPage();
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(web.base)) foreign.push(r.url());
    });

    // First load: one document, everything inline; time until the first state is drawn.
    await page.goto(web.url);
    await until(page, 'the first state drawn', () => document.documentElement.dataset.firstStateMs !== undefined);
    const load = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0]!;
      return { transferBytes: nav.transferSize, encodedBytes: nav.encodedBodySize, decodedBytes: nav.decodedBodySize, domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd), firstStateMs: Number(document.documentElement.dataset.firstStateMs) };
    });
    console.log(`page first load: ${JSON.stringify(load)}`);
    expect(load.decodedBytes).toBeLessThan(100_000);
    await expect.poll(() => page.locator('#conn').textContent(), { timeout: WAIT }).toBe('live');
    expect(await page.locator('#bolt').getAttribute('data-position')).toBe('1.000');

    // Typed on the page (keyboard), the PIN withdraws the drawn bolt and the timeline says why.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.type('2580#', { delay: 100 });
    await until(page, 'the bolt withdrawn after 2580#', () => Number(document.getElementById('bolt').dataset.position) < 0.02);
    const ok = timelineEntry(page, 'access ok');
    await ok.waitFor({ timeout: WAIT });
    expect(await ok.textContent()).toMatch(/signed ✓/);
    expect(await ok.textContent()).toMatch(/how: keypad pin/);
    expect(await page.locator('#sw-unlocked').getAttribute('class')).toContain('on');
    await page.screenshot({ path: join(shots, 'sim-door-unlocked.png') });

    // The camera fails during the demo delivery: refused, with the camera alarm.
    await page.getByRole('button', { name: 'Lock (owner)', exact: true }).click();
    await until(page, 'the bolt thrown', () => Number(document.getElementById('bolt').dataset.position) > 0.98);
    await page.getByRole('button', { name: 'Camera fails', exact: true }).click();
    await page.getByRole('button', { name: 'Demo delivery', exact: true }).click();
    const refused = timelineEntry(page, 'visit refused');
    await refused.waitFor({ timeout: WAIT });
    await timelineEntry(page, 'alarm camera-failed raised').waitFor({ timeout: WAIT });
    await expect.poll(() => page.locator('#alarms').textContent(), { timeout: WAIT }).toContain('camera-failed');
    expect(await page.locator('#bolt').getAttribute('data-position')).toBe('1.000');
    await page.screenshot({ path: join(shots, 'sim-delivery-camera-failed.png') });
    await page.getByRole('button', { name: 'Repair camera', exact: true }).click();

    // A jammed bolt: the drawing shows it, the lock raises its alarm.
    await page.getByRole('button', { name: 'Jam bolt', exact: true }).click();
    await page.getByRole('button', { name: 'Unlock (owner)', exact: true }).click();
    await page.locator('#jam').waitFor({ state: 'visible', timeout: WAIT });
    await expect.poll(() => page.locator('#alarms').textContent(), { timeout: WAIT }).toContain('jammed');
    await timelineEntry(page, 'alarm jammed raised').waitFor({ timeout: WAIT });
    expect(await page.locator('#bolt').getAttribute('class')).toContain('jammed');
    await page.screenshot({ path: join(shots, 'sim-bolt-jammed.png') });

    // The simulator stops and starts again: the page notices, reconnects by itself, shows the new run.
    const before = await page.evaluate(() => document.documentElement.dataset.run);
    await stopSim(sim);
    await expect.poll(() => page.locator('#conn').textContent(), { timeout: WAIT }).toMatch(/reconnecting/);
    sim = start([], env);
    await simWeb(sim);
    await until(page, 'the new run drawn', (old) => document.documentElement.dataset.run !== old, before, 60_000);
    await expect.poll(() => page.locator('#conn').textContent(), { timeout: WAIT }).toBe('live');
    await expect.poll(() => page.locator('#alarms').textContent(), { timeout: WAIT }).toBe('none');
    expect(await page.locator('#jam').isVisible()).toBe(false);
    // The drawing's thumb-turn works from the keyboard too: focus it, press Enter, the bolt withdraws by hand.
    await until(page, 'the bolt thrown after the restart', () => Number(document.getElementById('bolt').dataset.position) > 0.98);
    await page.locator('#thumb').focus();
    await page.keyboard.press('Enter');
    await until(page, 'the bolt withdrawn by the thumb-turn', () => Number(document.getElementById('bolt').dataset.position) < 0.02);
    await timelineEntry(page, 'thumb-turn: unlocked').waitFor({ timeout: WAIT });
    expect(foreign).toEqual([]);
    await page.close();
  }, 240_000);

  it('draws the parcel box: lid, latch and scanner; an expected parcel opens the latch', async () => {
    const sim = start(['--board', 'parcel-box-sim']);
    const web = await simWeb(sim);
    const page = await browser.context.newPage();
    await page.goto(web.url);
    await page.locator('#box').waitFor({ state: 'visible', timeout: WAIT });
    expect(await page.locator('#door').isVisible()).toBe(false);
    expect(await page.locator('#keypad-area').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Expected parcel', exact: true }).click();
    await until(page, 'the latch withdrawn', () => Number(document.getElementById('latch').dataset.position) < 0.02);
    await timelineEntry(page, 'access ok').waitFor({ timeout: WAIT });
    await page.getByRole('button', { name: 'Open door', exact: true }).click();
    await until(page, 'the lid open', () => document.getElementById('lid').classList.contains('open'));
    await page.screenshot({ path: join(shots, 'sim-parcel-box.png') });
    await page.close();
  }, 120_000);
});
