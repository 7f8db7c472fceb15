// The simulated board: a SimIO plugin laid out from a board profile, with physics on its pins.
// The firmware sees only the IO plugin; tests change the world through sim/control.
import type { BoardProfile, DigitalInputConfig, PinName } from '../hal/boards.js';
import type { Clock } from '../hal/ports/clock.js';
import type { RandomSource } from '../hal/ports/random.js';
import { SimBarcodeReader } from './devices/barcode-reader.js';
import { SimCredentialReader } from './devices/credential-reader.js';
import { SimIO } from './io/sim-io.js';
import { BatteryPhysics } from './physics/battery.js';
import { BoltPhysics, type BoltPhysicsOptions } from './physics/bolt.js';
import { type CameraOptions, CameraPhysics } from './physics/camera.js';
import { Contact } from './physics/contact.js';
import { DoorPhysics } from './physics/door.js';
import { KeypadPhysics } from './physics/keypad.js';

export interface SimBoardOptions {
  clock: Clock;
  random: RandomSource;
  bolt?: Partial<BoltPhysicsOptions>;
  camera?: Partial<CameraOptions>;
  /** Where the bolt starts: 1 thrown, 0 withdrawn, anything between. */
  boltStart?: number;
  doorBounce?: { bounceMs: number; bounces: number };
}

/** What broke the lock's promises, as the world saw it. Tests assert this stays empty. */
export interface Violation {
  at: number;
  kind: 'bolt-thrown-into-open-door';
}

export class SimBoard {
  readonly io: SimIO;
  readonly bolt: BoltPhysics;
  readonly door: DoorPhysics;
  readonly keypad: KeypadPhysics | null;
  readonly camera: CameraPhysics | null;
  readonly tamper: Contact | null;
  readonly pairButton: Contact | null;
  readonly battery: BatteryPhysics | null;
  /** The phone-credential reader: a port-level device (NFC/BLE modules are UART peripherals). */
  readonly credentialReader: SimCredentialReader;
  /** The parcel box's barcode scanner (profiles with `devices.barcode`), also port-level. */
  readonly barcodeReader: SimBarcodeReader | null;
  readonly violations: Violation[] = [];
  private readonly ledPin: number | null;
  private readonly ledActiveLow: boolean;
  private readonly buzzerPin: number | null;
  private readonly buzzerActiveLow: boolean;

  constructor(
    readonly profile: BoardProfile,
    readonly options: SimBoardOptions,
  ) {
    const d = profile.devices;
    const analog = d.battery ? [String(d.battery.pin)] : [];
    const digital = [...new Set(collectPins(profile).map(String))].filter((p) => !analog.includes(p));
    this.io = new SimIO({
      clock: options.clock,
      digitalPins: digital,
      analogPins: analog,
      rules: { pullups: profile.features.pullups, pollMs: Number(profile.io.options?.pollMs ?? 5) },
    });
    const io = this.io;
    const contact = (c: DigitalInputConfig) => new Contact(io, io.index(c.pin), c.activeLow);
    const lockedSwitch = contact(d.boltLockedSwitch);
    const unlockedSwitch = contact(d.boltUnlockedSwitch);
    const wiring =
      d.bolt.kind === 'motor'
        ? {
            kind: 'motor' as const,
            enable: io.index(d.bolt.pins.enable),
            forward: io.index(d.bolt.pins.forward),
            reverse: io.index(d.bolt.pins.reverse),
          }
        : {
            kind: 'servo' as const,
            pin: io.index(d.bolt.pin),
            lockedDeg: d.bolt.lockedDeg,
            unlockedDeg: d.bolt.unlockedDeg,
          };
    this.bolt = new BoltPhysics(
      io,
      options.clock,
      wiring,
      lockedSwitch,
      unlockedSwitch,
      options.bolt,
      options.boltStart ?? 1,
    );
    this.door = new DoorPhysics(
      contact(d.door),
      options.clock,
      options.random,
      () => !this.bolt.isWithdrawn && this.bolt.position > 0.1,
      options.doorBounce,
    );
    this.bolt.onChange(() => {
      if (this.door.isOpen && this.bolt.isThrown && this.bolt.drive === 'extend') {
        this.violations.push({ at: options.clock.now(), kind: 'bolt-thrown-into-open-door' });
      }
    });
    this.keypad =
      d.keypadRows && d.keypadColumns && d.keypadLayout
        ? new KeypadPhysics(
            io,
            d.keypadRows.pins.map((p) => io.index(p)),
            d.keypadColumns.pins.map((p) => io.index(p)),
            d.keypadLayout,
          )
        : null;
    this.camera =
      d.camera && d.cameraRecording
        ? new CameraPhysics(
            io,
            options.clock,
            io.index(d.camera.pin),
            d.camera.activeLow,
            contact(d.cameraRecording),
            options.camera,
          )
        : null;
    this.tamper = d.tamper ? contact(d.tamper) : null;
    this.pairButton = d.pairButton ? contact(d.pairButton) : null;
    this.battery = d.battery
      ? new BatteryPhysics(io, io.index(d.battery.pin), d.battery.emptyRaw, d.battery.fullRaw)
      : null;
    this.credentialReader = new SimCredentialReader(options.clock);
    this.barcodeReader = d.barcode ? new SimBarcodeReader(options.clock) : null;
    this.ledPin = d.statusLed ? io.index(d.statusLed.pin) : null;
    this.ledActiveLow = d.statusLed?.activeLow ?? false;
    this.buzzerPin = d.buzzer ? io.index(d.buzzer.pin) : null;
    this.buzzerActiveLow = d.buzzer?.activeLow ?? false;
  }

  get ledOn(): boolean {
    return this.outputActive(this.ledPin, this.ledActiveLow);
  }

  get buzzerOn(): boolean {
    return this.outputActive(this.buzzerPin, this.buzzerActiveLow);
  }

  private outputActive(pin: number | null, activeLow: boolean): boolean {
    if (pin === null || this.io.modeOf(pin) === undefined) return false;
    return this.io.readOutput(pin) > 0 !== activeLow;
  }
}

function collectPins(profile: BoardProfile): PinName[] {
  const out: PinName[] = [];
  const visit = (value: unknown, key: string) => {
    if (Array.isArray(value)) {
      if (key === 'pins') out.push(...(value as PinName[]));
      return;
    }
    if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === 'pin') out.push(v as PinName);
        else if (k === 'pins' && v && typeof v === 'object' && !Array.isArray(v))
          out.push(...(Object.values(v) as PinName[]));
        else visit(v, k);
      }
    }
  };
  visit(profile.devices, 'devices');
  return out;
}
