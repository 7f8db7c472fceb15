// The HAL's error codes: every fault a port can raise carries one of these, never a bare string.

export const HAL_ERROR_CODES = [
  'E_NOT_READY', // the device or board has not finished starting
  'E_CLOSED', // the port was closed; no further commands are accepted
  'E_BUSY', // the device is doing something that must finish first
  'E_TIMEOUT', // the device did not answer in time
  'E_IO', // the IO plugin or the operating system refused the operation
  'E_INVALID_ARG', // a command argument is outside what the device accepts
  'E_UNSUPPORTED', // the board lacks the feature (no ADC, no pull-ups, ...)
] as const;

export type HalErrorCode = (typeof HAL_ERROR_CODES)[number];

export class HalError extends Error {
  override readonly name = 'HalError';
  constructor(
    readonly code: HalErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

/** Returned by every subscription: call it to stop listening. */
export type Unsubscribe = () => void;
