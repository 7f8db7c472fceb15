// The firmware's version, as package.json says (a test keeps them equal); reported to the installer.
export const FIRMWARE_VERSION = '0.1.0';
