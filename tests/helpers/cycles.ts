// Random lock life on the simulated board: commands, door traffic, thumb-turns, hard and brief
// jams, forced doors, waits that let auto-relock fire. After every 10 ms step and every cycle it
// checks the controller's promises against the physical world and records what broke.
import { seededRandom } from '../../hal/node/random.js';
import type { SimLock } from './sim-lock.js';

export interface CycleReport {
  cycles: number;
  simulatedMs: number;
  counts: Record<string, number>;
  /** Broken invariants, each with its cycle number. Empty when the lock kept every promise. */
  failures: string[];
}

const STEP_MS = 10;

export async function runCycles(
  lock: SimLock,
  cycles: number,
  seed: number,
  trace?: (cycle: number, line: string) => void,
): Promise<CycleReport> {
  const { app, control, world, time } = lock;
  const deadbolt = app.deadbolt;
  const random = seededRandom(seed);
  const failures: string[] = [];
  const counts: Record<string, number> = {};
  const count = (what: string) => {
    trace?.(
      cycle,
      `${time.now() - began} ${what} pos=${world.bolt.position.toFixed(3)} door=${world.door.isOpen} jam=${world.bolt.isJammed}`,
    );
    counts[what] = (counts[what] ?? 0) + 1;
  };
  const began = time.now();
  let cycle = 0;
  let episode: { hard: boolean; alarms: number; jammedOps: number } | null = null;
  const fail = (what: string) => {
    if (failures.length < 50) failures.push(`cycle ${cycle}: ${what}`);
  };

  deadbolt.events.on('alarm', (e) => {
    if (e.kind !== 'jammed' || !e.active) return;
    if (episode) episode.alarms++;
    else fail('jam alarm with no jam in the world');
  });
  deadbolt.events.on('operation', (e) => {
    count(`${e.op}:${e.outcome}`);
    if (e.outcome !== 'jammed') return;
    if (!world.bolt.isJammed) fail('operation reported jammed but the bolt moves freely');
    if (episode) episode.jammedOps++;
  });

  const step = (ms: number) => {
    for (let spent = 0; spent < ms; spent += STEP_MS) {
      time.advance(STEP_MS);
      const s = deadbolt.current;
      if (world.bolt.drive !== 'stop' && s !== 'locking' && s !== 'unlocking')
        fail(`motor driven (${world.bolt.drive}) in state ${s}`);
    }
  };
  const busy = () => deadbolt.current === 'locking' || deadbolt.current === 'unlocking';
  /** Until no operation runs and none started during a further 100 ms of settling. */
  const quiesce = () => {
    for (let rounds = 0; rounds < 5; rounds++) {
      for (let spent = 0; busy() && spent < 15_000; spent += STEP_MS) step(STEP_MS);
      if (busy()) fail(`still ${deadbolt.current} after 15 s`);
      step(100); // sensor changes settle through debounce; auto-relock may start here
      if (!busy()) return;
    }
  };
  const checkAtRest = () => {
    const s = deadbolt.current;
    const { thrown, withdrawn } = { thrown: world.bolt.isThrown, withdrawn: world.bolt.isWithdrawn };
    const ok = thrown
      ? s === 'locked' || s === 'jammed'
      : withdrawn
        ? s === 'unlocked' || s === 'jammed'
        : s === 'jammed' || s === 'unknown';
    if (!ok) fail(`state ${s} but bolt at ${world.bolt.position.toFixed(3)}`);
    if (world.violations.length) fail(`world saw ${world.violations.map((v) => v.kind).join(', ')}`);
  };
  const closeDoor = () => {
    if (!world.door.isOpen) return;
    if (control.closeDoor() === 'bolt-thrown') {
      deadbolt.unlock();
      quiesce();
      control.closeDoor();
    }
    step(100);
  };

  for (cycle = 0; cycle < cycles; cycle++) {
    // Yield to the event loop now and then, as a running lock does: johnny-five emits motor
    // events on process.nextTick, and a loop that never yields would hoard them.
    if (cycle % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    const jamRoll = random.float();
    if (jamRoll < 0.12) {
      const hard = jamRoll < 0.06;
      control.jamBolt(!hard);
      episode = { hard, alarms: 0, jammedOps: 0 };
      count(hard ? 'jam' : 'brief jam');
    }
    const roll = random.float();
    if (roll < 0.35) {
      count(`unlock ${deadbolt.unlock('command')}`);
    } else if (roll < 0.65) {
      count(`lock ${deadbolt.lock('command')}`);
    } else if (roll < 0.78) {
      step(Math.floor(random.float() * 700)); // sometimes mid-operation
      if (control.openDoor() === null) {
        count('door opened');
        step(200 + Math.floor(random.float() * 2800));
        const answer = deadbolt.lock('command');
        if (answer === 'started' && world.door.isOpen) fail('lock started with the door open');
        closeDoor();
      }
    } else if (roll < 0.86) {
      const to = world.bolt.position > 0.5 ? 'unlocked' : 'locked';
      if (control.turnThumbTurn(to)) count('thumb-turn');
    } else if (roll < 0.88) {
      if (world.bolt.isThrown && !world.door.isOpen && deadbolt.current === 'locked') {
        control.forceDoor();
        step(200);
        if (!deadbolt.activeAlarms.has('forced-entry'))
          fail('door forced past the bolt without a forced-entry alarm');
        count('forced entry');
        closeDoor();
      }
    }
    step(300 + Math.floor(random.float() * 5000));
    quiesce();
    closeDoor();
    quiesce();
    checkAtRest();
    if (episode) {
      const expected = Math.min(1, episode.jammedOps);
      if (episode.alarms !== expected)
        fail(`jam raised ${episode.alarms} alarms for ${episode.jammedOps} jammed operations`);
      control.clearJam();
      episode = null;
      if (deadbolt.current === 'jammed') {
        deadbolt.unlock('command');
        quiesce();
      }
      if (deadbolt.activeAlarms.has('jammed'))
        fail('jam alarm still active after the jam was cleared and the bolt moved');
    }
  }
  return { cycles, simulatedMs: time.now() - began, counts, failures };
}
