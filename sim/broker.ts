// An in-process MQTT broker (aedes, MQTT 3.1.1) on a free loopback port, so `npm run sim` shows the
// lock's MQTT traffic with nothing installed. Tests of the real thing use Mosquitto.
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';

export interface InProcessBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startInProcessBroker(): Promise<InProcessBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => broker.close(() => resolve()));
      }),
  };
}
