// The simulator's backend API: what a test or a person does to the world around the lock.
// It manipulates physics only, never the firmware's internals, and reports what is physically so.
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';
import type { SimBoard } from '../board.js';
import type { SimPhone } from '../devices/credential-reader.js';
import type { DoorRefusal } from '../physics/door.js';

export interface WorldSnapshot {
  bolt: {
    position: number;
    thrown: boolean;
    withdrawn: boolean;
    drive: 'extend' | 'retract' | 'stop';
    jammed: boolean;
  };
  door: { open: boolean; forced: boolean };
  camera: { triggered: boolean; recording: boolean } | null;
  tamper: boolean | null;
  pairButton: boolean | null;
  battery: number | null;
  led: boolean;
  buzzer: boolean;
}

export class SimControl {
  constructor(
    readonly board: SimBoard,
    private readonly clock: Clock,
  ) {}

  // ---- door and bolt ----
  openDoor(): DoorRefusal | null {
    return this.board.door.openDoor(false);
  }
  /** Force the door open past a thrown bolt (a break-in). */
  forceDoor(): DoorRefusal | null {
    return this.board.door.openDoor(true);
  }
  closeDoor(): DoorRefusal | null {
    return this.board.door.closeDoor();
  }
  turnThumbTurn(to: 'locked' | 'unlocked'): boolean {
    return this.board.bolt.turnByHand(to);
  }
  jamBolt(transient = false): void {
    this.board.bolt.jamBolt(transient);
  }
  clearJam(): void {
    this.board.bolt.clearJam();
  }

  // ---- keypad ----
  /** Press a key and release it `holdMs` later. */
  pressKey(key: string, holdMs = 80): void {
    const keypad = this.need(this.board.keypad, 'keypad');
    keypad.press(key);
    this.clock.after(holdMs, () => keypad.release(key));
  }
  /** Type a sequence of keys, one every `gapMs`, each held `holdMs`. Returns the time it takes. */
  typeKeys(keys: string, gapMs = 200, holdMs = 80): number {
    [...keys].forEach((key, i) => {
      this.clock.after(i * gapMs + 1, () => this.pressKey(key, holdMs));
    });
    return keys.length * gapMs + holdMs;
  }
  /**
   * Press a key and hold it until the firmware's scanner has seen it, then release it and wait until
   * the scanner has seen that too: keys typed this way are never lost, however loaded the machine.
   * `maxMs` bounds each wait (a keypad nobody scans); resolves false when a wait ran out. The key
   * is held at least `minHoldMs`.
   */
  async pressKeyPatiently(key: string, maxMs = 5_000, minHoldMs = 0): Promise<boolean> {
    const keypad = this.need(this.board.keypad, 'keypad');
    const within = (seen: Promise<void>) =>
      new Promise<boolean>((resolve) => {
        const timer = this.clock.after(maxMs, () => resolve(false));
        void seen.then(() => {
          timer.cancel();
          resolve(true);
        });
      });
    const pressed = keypad.scanned(key);
    keypad.press(key);
    const held = new Promise<void>((resolve) => this.clock.after(minHoldMs, () => resolve()));
    const [seenDown] = await Promise.all([within(pressed), held]);
    const released = keypad.scanned(key);
    keypad.release(key);
    const seenUp = await within(released);
    return seenDown && seenUp;
  }
  /** Type keys one after another, each held until scanned (real time, any load); false if one was not seen in time. */
  async typeKeysPatiently(keys: string, maxMs = 5_000): Promise<boolean> {
    let all = true;
    for (const key of keys) all = (await this.pressKeyPatiently(key, maxMs)) && all;
    return all;
  }
  /**
   * Type keys as the web API does: each held until the scanner has seen it pressed and released
   * (never lost, however loaded the machine), then `gapMs` before the next; a second call types
   * after the first has finished, never interleaved. Returns about how long it takes when idle.
   */
  typeKeysInTurn(keys: string, gapMs = 200): number {
    this.inTurn(async () => {
      for (const key of keys) {
        await this.pressKeyPatiently(key);
        await new Promise<void>((resolve) => this.clock.after(gapMs, () => resolve()));
      }
    });
    return keys.length * gapMs + 80;
  }
  private typing: Promise<void> = Promise.resolve();
  /**
   * Press a key for the web API: held `holdMs`, or until the scanner has seen it if that takes
   * longer (a loaded machine), then released; after what the API typed or pressed before it.
   */
  pressKeyAtLeast(key: string, holdMs = 80): void {
    this.need(this.board.keypad, 'keypad');
    this.inTurn(async () => {
      await this.pressKeyPatiently(key, 5_000, holdMs);
    });
  }
  /** The web API's keypad input, one call after another. */
  private inTurn(input: () => Promise<void>): void {
    this.typing = this.typing.then(input);
  }
  holdKey(key: string): void {
    this.need(this.board.keypad, 'keypad').press(key);
  }
  releaseKeys(): void {
    this.need(this.board.keypad, 'keypad').releaseAll();
  }

  // ---- phone credentials ----
  /** Bring a phone to the reader; it answers the lock's challenge as `phone.respond` says. */
  tapPhone(phone: SimPhone): void {
    this.board.credentialReader.tap(phone);
  }

  // ---- parcel box ----
  /** Hold a parcel's label under the barcode scanner. */
  scanBarcode(text: string): void {
    this.need(this.board.barcodeReader, 'barcode reader').scan(text);
  }

  // ---- camera, tamper, pair button, battery ----
  failCamera(): void {
    this.need(this.board.camera, 'camera').fail();
  }
  killCameraMidRecording(): void {
    this.need(this.board.camera, 'camera').die();
  }
  repairCamera(): void {
    this.need(this.board.camera, 'camera').repair();
  }
  setTamper(tampered: boolean): void {
    this.need(this.board.tamper, 'tamper switch').set(tampered);
  }
  /** Press the pair button for `holdMs`; a press while it is down extends the hold. */
  pressPairButton(holdMs = 300): void {
    const button = this.need(this.board.pairButton, 'pair button');
    this.pairRelease?.cancel();
    button.set(true);
    this.pairRelease = this.clock.after(holdMs, () => {
      this.pairRelease = null;
      button.set(false);
    });
  }
  private pairRelease: TimerHandle | null = null;
  /** Let go of the pair button now. */
  releasePairButton(): void {
    const button = this.need(this.board.pairButton, 'pair button');
    this.pairRelease?.cancel();
    this.pairRelease = null;
    button.set(false);
  }
  setBattery(percent: number): void {
    this.need(this.board.battery, 'battery').setPercent(percent);
  }

  // ---- observation ----
  snapshot(): WorldSnapshot {
    const b = this.board;
    return {
      bolt: {
        position: b.bolt.position,
        thrown: b.bolt.isThrown,
        withdrawn: b.bolt.isWithdrawn,
        drive: b.bolt.drive,
        jammed: b.bolt.isJammed,
      },
      door: { open: b.door.isOpen, forced: b.door.forced },
      camera: b.camera ? { triggered: b.camera.triggered, recording: b.camera.isRecording } : null,
      tamper: b.tamper?.isActive ?? null,
      pairButton: b.pairButton?.isActive ?? null,
      battery: b.battery?.percent ?? null,
      led: b.ledOn,
      buzzer: b.buzzerOn,
    };
  }

  private need<T>(part: T | null, name: string): T {
    if (!part) throw new Error(`this simulated board has no ${name}`);
    return part;
  }
}
