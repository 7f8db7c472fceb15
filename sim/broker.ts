// An in-process MQTT broker (aedes, MQTT 3.1.1) on a free loopback port, so `npm run sim` shows the
// lock's MQTT traffic with nothing installed. Tests of the real thing use Mosquitto.
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';

export interface InProcessBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** On `port` (0: a free one); a port in use is said plainly. */
export async function startInProcessBroker(port = 0): Promise<InProcessBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  const bound = await new Promise<number>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} is in use (another broker?): choose another --mqtt-port, or leave it out for a free one`) : error),
    );
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    url: `mqtt://127.0.0.1:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => broker.close(() => resolve()));
      }),
  };
}
