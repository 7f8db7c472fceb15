// johnny-five keeps every board and component in module-level caches. In test mode
// (IS_TEST_MODE=1) each class has purge(); call this between boards so memory stays flat.
import five from 'johnny-five';

export function purgeJohnnyFive(): void {
  for (const cls of [five.Board, five.Pin, five.Motor, five.Sensor, five.Servo, five.Led, five.Switch]) {
    (cls as unknown as { purge?: () => void }).purge?.();
  }
}
