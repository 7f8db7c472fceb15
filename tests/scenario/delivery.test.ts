// Deliveries on the simulated board, driven only through the simulator's control API (a courier's
// phone at the reader, the door, the camera, parcels under the scanner) and judged by the world
// (where the bolt is, whether the camera records) and by the lock's events. The chain is the
// product's: the owner delegates delivery to a carrier's dispatch system, which grants one
// courier's phone one scheduled visit.
import { afterEach, describe, expect, it } from 'vitest';
import { trackingDigest } from '../../firmware/keypad/codes.js';
import { type ClaimsInput, mintGrant, mintHeartbeat, testKey } from '../../tools/lib/mint.js';
import { delegation, DELIVERY_CONFIG, DELIVERY_TRAIL, runDelivery, trail, dispatch, grantId as id, LOCK, MON_10_12, MON_1000, owner, phone, SECRET, visit, watch, ZONE } from '../helpers/delivery.js';
import { FaultyStorage } from '../helpers/faulty-storage.js';
import { outboxEvents, type SimLock, startSimLock } from '../helpers/sim-lock.js';

const resident = testKey('resident-phone');
const CAMERA_START_MS = 300; // the simulated camera's start-up delay

let lock: SimLock | null = null;
afterEach(async () => {
  await lock?.close();
  lock = null;
});

async function start(options: { board?: string; startMs?: number; storage?: FaultyStorage } = {}) {
  const startMs = options.startMs ?? MON_1000;
  lock = await startSimLock({
    board: options.board,
    storage: options.storage,
    startMs,
    config: { autoRelockMs: 30_000, delivery: DELIVERY_CONFIG },
    access: { lockId: LOCK, timeZone: ZONE, ownerKeys: [owner.publicKey], keypadSecret: SECRET },
  });
  // Delivery grants need a heartbeat younger than a day.
  expect(lock.core!.applyHeartbeat(mintHeartbeat(owner, { time: Math.floor(startMs / 1000), seq: 0, aud: LOCK })).ok).toBe(true);
  return lock;
}

/** Every millisecond: whenever the bolt's motor turns, the camera is recording. */
function cameraBeforeMotor(l: SimLock) {
  let motorRan = false;
  return {
    check: () => {
      if (l.world.bolt.drive === 'stop') return;
      motorRan = true;
      expect(l.world.camera!.isRecording, 'the bolt moved while the camera was not recording').toBe(true);
    },
    get motorRan() {
      return motorRan;
    },
  };
}

const access = (l: SimLock) => l.localEvents.filter((e) => e.type === 'access');
const steps = (l: SimLock) => l.visitEvents.filter((e) => e.type === 'delivery').map((e) => (e as { step: string }).step);
const alarms = (l: SimLock) => l.visitEvents.filter((e) => e.type === 'alarm').map((e) => `${(e as { kind: string }).kind}:${(e as { active: boolean }).active}`);
const completed = (l: SimLock) => l.visitEvents.find((e) => e.type === 'delivery' && e.step === 'completed') as Extract<SimLock['visitEvents'][number], { step: 'completed' }> | undefined;

describe('in-home delivery', () => {
  it('in window: the camera records before the bolt moves, the door is relocked, then the delivery completes with every time', async () => {
    const l = await start();
    const guard = cameraBeforeMotor(l);
    l.control.tapPhone(phone(visit()));
    watch(l, CAMERA_START_MS - 50, guard.check);
    expect(l.world.camera!.triggered).toBe(true);
    expect(l.world.bolt.isThrown).toBe(true); // waiting for the camera: nothing moved
    watch(l, 2_000, guard.check);
    expect(guard.motorRan).toBe(true);
    expect(l.world.bolt.isWithdrawn).toBe(true);
    expect(access(l).at(-1)).toMatchObject({ via: 'reader', allow: true, role: 'delivery' });

    expect(l.control.openDoor()).toBeNull();
    watch(l, 20_000, guard.check); // the courier puts the parcel in the hall
    expect(l.control.closeDoor()).toBeNull();
    watch(l, 6_000, guard.check); // relocked 3 s after the door shut
    expect(l.world.bolt.isThrown).toBe(true);
    expect(completed(l)).toBeUndefined(); // the post-roll is still running
    expect(l.world.camera!.triggered).toBe(true);
    watch(l, 10_000, guard.check);
    expect(l.world.camera!.triggered).toBe(false);

    const done = completed(l)!;
    expect(done).toMatchObject({ role: 'delivery', issuer: Buffer.from(dispatch.publicKey).toString('hex'), late: false, cameraLost: false });
    const times = [done.recordingStartedAt, done.unlockedAt, done.doorOpenedAt, done.doorClosedAt, done.relockedAt, done.recordingStoppedAt];
    expect(times.every((t) => typeof t === 'number')).toBe(true);
    expect([...times].sort((a, b) => a! - b!)).toEqual(times);
    expect(done.recordingStoppedAt! - done.relockedAt!).toBeGreaterThanOrEqual(10_000);
    expect(steps(l)).toEqual(['started', 'recording', 'unlocked', 'relocked', 'completed']);
    expect(alarms(l)).toEqual([]);
  });

  it('every step reaches the outbox, signed, in order, for the owner to follow', async () => {
    const l = await start();
    runDelivery(l);
    const events = outboxEvents(l);
    expect(trail(events)).toEqual(['bolt locked', ...DELIVERY_TRAIL]); // the bolt as found at boot, then the delivery
    const done = events.find((e) => e.type === 'delivery' && e.data.get('step') === 'completed')!.data;
    for (const key of ['recordingStartedAt', 'unlockedAt', 'doorOpenedAt', 'doorClosedAt', 'relockedAt', 'recordingStoppedAt']) {
      expect(done.get(key), key).toEqual([expect.any(Number), expect.any(Number)]); // [seconds, milliseconds]
    }
    expect(done.get('issuer')).toBe(Buffer.from(dispatch.publicKey).toString('hex'));
  });

  it('the camera never records: refused with its own reason, an alarm, the bolt untouched, and the visit not used up', async () => {
    const l = await start();
    const grant = visit();
    l.control.failCamera();
    l.control.tapPhone(phone(grant));
    watch(l, 3_000, () => expect(l.world.bolt.drive).toBe('stop'));
    expect(l.world.bolt.isThrown).toBe(true);
    expect(access(l).at(-1)).toMatchObject({ allow: false, reason: 'recording-unavailable', role: 'delivery' });
    expect(alarms(l)).toEqual(['camera-failed:true']);
    expect(steps(l)).toEqual(['started', 'refused']);
    expect(l.world.camera!.triggered).toBe(false); // the trigger is let go

    // Once the camera works again, the courier's single-use visit still opens the door.
    l.control.repairCamera();
    l.control.tapPhone(phone(grant));
    watch(l, 2_500);
    expect(l.world.bolt.isWithdrawn).toBe(true);
    expect(alarms(l)).toEqual(['camera-failed:true', 'camera-failed:false']);
  });

  it('the camera dies mid-delivery: an alarm at once, and the completion says the recording was lost', async () => {
    const l = await start();
    l.control.tapPhone(phone(visit()));
    watch(l, 2_500);
    expect(l.control.openDoor()).toBeNull();
    watch(l, 5_000);
    l.control.killCameraMidRecording(); // e.g. its Wi-Fi jammed
    watch(l, 100);
    expect(alarms(l)).toEqual(['camera-lost:true']);
    expect(outboxEvents(l).some((e) => e.type === 'alarm' && e.data.get('kind') === 'camera-lost')).toBe(true);
    expect(l.control.closeDoor()).toBeNull();
    watch(l, 20_000);
    expect(l.world.bolt.isThrown).toBe(true);
    expect(completed(l)).toMatchObject({ cameraLost: true, late: false });
  });

  it('the door left open past the grant deadline raises an alarm; the late relock clears it and completes the delivery as late', async () => {
    const l = await start();
    l.control.tapPhone(phone(visit({ obligations: { record: true, relockWithinS: 60 } })));
    watch(l, 2_500);
    expect(l.control.openDoor()).toBeNull();
    watch(l, 57_000); // the deadline runs from the unlock, about 0.3 s after the tap
    expect(alarms(l)).toEqual([]);
    watch(l, 2_000);
    expect(alarms(l)).toEqual(['relock-overdue:true']);
    expect(l.control.closeDoor()).toBeNull();
    watch(l, 30_000);
    expect(l.world.bolt.isThrown).toBe(true);
    expect(alarms(l)).toEqual(['relock-overdue:true', 'relock-overdue:false']);
    expect(completed(l)).toMatchObject({ late: true });
  });

  it('a delivery whose grants name no relock deadline gets the configured one (300 s)', async () => {
    const l = await start();
    const noDeadline = { obligations: { record: true, relockWithinS: null } };
    l.control.tapPhone(phone(visit(noDeadline, delegation(noDeadline))));
    watch(l, 2_500);
    expect(steps(l)).toEqual(['started', 'recording', 'unlocked']);
    expect(l.control.openDoor()).toBeNull();
    watch(l, 295_000);
    expect(alarms(l)).toEqual([]);
    watch(l, 5_000);
    expect(alarms(l)).toEqual(['relock-overdue:true']);
  });

  it('a use that cannot be committed once the camera records: refused, the bolt untouched, and the camera let go after its post-roll', async () => {
    const storage = new FaultyStorage();
    const l = await start({ storage });
    storage.failEvery('write', /journal/, { code: 'EIO' });
    l.control.tapPhone(phone(visit()));
    watch(l, 2_500);
    expect(steps(l)).toEqual(['started', 'recording', 'refused']);
    expect(access(l).at(-1)).toMatchObject({ allow: false, reason: 'store-failure' });
    expect(l.world.bolt.isThrown).toBe(true);
    watch(l, 10_000);
    expect(l.world.camera!.triggered).toBe(false);
  });

  it('the bolt jams on the way open: the visit is aborted, and the camera let go after its post-roll', async () => {
    const l = await start();
    l.control.jamBolt();
    l.control.tapPhone(phone(visit()));
    watch(l, 8_000);
    expect(steps(l)).toEqual(['started', 'recording', 'aborted']);
    expect(l.visitEvents.find((e) => e.type === 'delivery' && e.step === 'aborted')).toMatchObject({ reason: 'unlock-jammed' });
    watch(l, 10_000);
    expect(l.world.camera!.triggered).toBe(false);
    expect(l.app.supervisor!.active).toBe(0);
  });

  it('outside the scheduled window: refused, and the camera is never even triggered', async () => {
    const l = await start({ startMs: Date.parse('2026-06-01T11:00:00Z') }); // Monday 13:00 in Berlin
    l.control.tapPhone(phone(visit()));
    watch(l, 3_000);
    expect(access(l).at(-1)).toMatchObject({ allow: false, reason: 'outside-schedule' });
    expect(l.world.camera!.triggers).toBe(0);
    expect(l.world.bolt.isThrown).toBe(true);
    expect(steps(l)).toEqual([]);
  });

  it('a carrier grant that widens the owner delegation is refused (a role it may not grant, a window outside its own)', async () => {
    const l = await start();
    l.control.tapPhone(phone(visit({ role: 'guest' })));
    watch(l, 1_000);
    l.control.tapPhone(phone(visit({ schedule: [{ days: 0b1111111, start: 0, end: 1440 }] })));
    watch(l, 1_000);
    l.control.tapPhone(phone(visit({ maxUses: 10 })));
    watch(l, 1_000);
    expect(access(l).map((e) => e.reason)).toEqual(['delegation-widens', 'delegation-widens', 'delegation-widens']);
    expect(l.world.camera!.triggers).toBe(0);
    expect(l.world.bolt.isThrown).toBe(true);
  });

  it('a copied grant on another phone (without the courier key) opens nothing', async () => {
    const l = await start();
    l.control.tapPhone(phone(visit(), testKey('thief')));
    watch(l, 3_000);
    expect(access(l).at(-1)).toMatchObject({ allow: false, reason: 'bad-proof' });
    expect(l.world.camera!.triggers).toBe(0);
  });

  it('a resident does not wait for the camera (unless the owner configures it)', async () => {
    const l = await start();
    const cti = id();
    const grant = { cti, chain: [mintGrant(owner, { aud: LOCK, cti, role: 'resident', holderKey: resident.publicKey })] };
    l.control.tapPhone(phone(grant, resident));
    watch(l, 2_500);
    expect(l.world.bolt.isWithdrawn).toBe(true);
    expect(l.world.camera!.triggers).toBe(0);
    expect(steps(l)).toEqual([]);
  });
});

describe('parcel box', () => {
  const EXPECTED = ['1Z 999 AA1 01 2345 6784', 'JD014600006281234567'];
  function boxGrant(l: SimLock, claims: Partial<ClaimsInput> = {}) {
    const digests = EXPECTED.map((t) => trackingDigest(SECRET, t.replace(/[\s-]/g, '').toUpperCase()));
    const leaf = mintGrant(dispatch, { aud: LOCK, cti: id(), role: 'delivery', credential: { kind: 'tracking', digests }, schedule: MON_10_12, ...claims });
    expect(l.core!.storeGrant([delegation({ delegation: { roles: ['delivery'], maxUses: null, maxDepth: 0 } }), leaf])).toMatchObject({ ok: true });
  }
  const scan = (l: SimLock, text: string, ms = 2_500) => {
    l.control.scanBarcode(text);
    watch(l, ms);
  };

  it('an expected parcel opens the latch once (camera first), the box relocks when the lid shuts; the same label again is refused', async () => {
    const l = await start({ board: 'parcel-box-sim' });
    boxGrant(l);
    const guard = cameraBeforeMotor(l);
    l.control.scanBarcode('1z999aa10123456784'); // what a scanner reads off the label, any case
    watch(l, 2_500, guard.check);
    expect(guard.motorRan).toBe(true);
    expect(l.world.bolt.isWithdrawn).toBe(true);
    expect(access(l).at(-1)).toMatchObject({ via: 'barcode', kind: 'tracking', allow: true, role: 'delivery' });
    expect(l.control.openDoor()).toBeNull(); // the lid
    watch(l, 5_000);
    expect(l.control.closeDoor()).toBeNull();
    watch(l, 16_000);
    expect(l.world.bolt.isThrown).toBe(true);
    expect(completed(l)).toMatchObject({ late: false });

    scan(l, '1Z999AA10123456784');
    expect(access(l).at(-1)).toMatchObject({ allow: false, reason: 'uses-exhausted' });
    expect(l.world.bolt.isThrown).toBe(true);
    expect(l.app.local!.barcodeBudget.wrongCodes).toBe(0); // a parcel already delivered is not a guess

    scan(l, 'JD014600006281234567'); // the second expected parcel opens it once more
    expect(l.world.bolt.isWithdrawn).toBe(true);
  });

  it('unknown labels are refused and counted toward the barcode reader\'s budget; while locked out even an expected parcel waits', async () => {
    const l = await start({ board: 'parcel-box-sim' });
    boxGrant(l);
    for (let i = 0; i < 4; i++) scan(l, `UNKNOWN${i}`, 200);
    expect(access(l).map((e) => e.reason)).toEqual(Array(4).fill('unknown-code'));
    expect(l.app.local!.barcodeBudget.wrongCodes).toBe(4);
    scan(l, 'UNKNOWN4', 200);
    expect(l.localEvents.filter((e) => e.type === 'lockout')).toEqual([{ type: 'lockout', active: true, forMs: 60_000, via: 'barcode' }]); // named: not the keypad
    scan(l, EXPECTED[0]!);
    expect(access(l).at(-1)).toMatchObject({ allow: false, reason: 'keypad-locked-out' });
    expect(l.world.bolt.isThrown).toBe(true);
    expect(l.world.camera!.triggers).toBe(0);
    watch(l, 60_000);
    expect(l.localEvents.filter((e) => e.type === 'lockout').at(-1)).toMatchObject({ active: false, via: 'barcode' });
    scan(l, EXPECTED[0]!);
    expect(l.world.bolt.isWithdrawn).toBe(true);
  });

  it('outside the grant window an expected parcel is refused without counting as a guess', async () => {
    const l = await start({ board: 'parcel-box-sim', startMs: Date.parse('2026-06-02T08:00:00Z') }); // Tuesday
    boxGrant(l);
    scan(l, EXPECTED[1]!);
    expect(access(l).at(-1)).toMatchObject({ allow: false, reason: 'outside-schedule' });
    expect(l.app.local!.barcodeBudget.wrongCodes).toBe(0);
  });
});
