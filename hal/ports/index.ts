// The HAL's ports in one import: every capability the firmware may ask of a board.
export type { BarcodeReader } from './barcode-reader.js';
export type { BatteryMonitor } from './battery-monitor.js';
export type { BoltActuator, BoltDrive, BoltPosition } from './bolt-actuator.js';
export type { CameraTrigger } from './camera-trigger.js';
export type { Clock, TimerHandle } from './clock.js';
export type { CredentialReader, CredentialSession } from './credential-reader.js';
export type { DoorSensor, DoorState } from './door-sensor.js';
export { HAL_ERROR_CODES, HalError, type HalErrorCode, type Unsubscribe } from './errors.js';
export { KEYPAD_KEYS, type Keypad, type KeypadKey } from './keypad.js';
export type { PairButton } from './pair-button.js';
export type { RandomSource } from './random.js';
export type { SerialLink } from './serial-link.js';
export type { StatusIndicator, StatusSignal } from './status-indicator.js';
export type { TamperSwitch } from './tamper-switch.js';

/** Everything a board provides, by role. Optional ports are absent on boards without the part. */
export interface BoardPorts {
  bolt: import('./bolt-actuator.js').BoltActuator;
  door: import('./door-sensor.js').DoorSensor;
  keypad?: import('./keypad.js').Keypad;
  camera?: import('./camera-trigger.js').CameraTrigger;
  tamper?: import('./tamper-switch.js').TamperSwitch;
  pairButton?: import('./pair-button.js').PairButton;
  status?: import('./status-indicator.js').StatusIndicator;
  battery?: import('./battery-monitor.js').BatteryMonitor;
  barcode?: import('./barcode-reader.js').BarcodeReader;
  credentials?: import('./credential-reader.js').CredentialReader;
  /** Stop every actuator and release the board. */
  close(): Promise<void>;
}
