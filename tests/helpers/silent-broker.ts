// A broker that never acknowledges: it accepts the lock's connection and subscriptions, takes every
// PUBLISH the lock sends and never answers PUBACK (a broker that lost its disk, a proxy that eats
// acks). The test can publish to the lock (QoS 1) as the owner would. MQTT 3.1.1, loopback only.
import { createServer, type Server, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

export interface SilentBroker {
  url: string;
  /** PUBLISH packets received from the lock (never acknowledged). */
  received: { topic: string; bytes: number }[];
  /** Send a QoS 1 message to every connected client (the lock acknowledges it). */
  publish(topic: string, payload: Uint8Array): void;
  close(): Promise<void>;
}

export async function startSilentBroker(): Promise<SilentBroker> {
  const clients = new Set<Socket>();
  const received: SilentBroker['received'] = [];
  let messageId = 1;
  const send = (socket: Socket, packet: object) => socket.write(mqttPacket.generate(packet as mqttPacket.Packet));
  const server: Server = createServer((socket) => {
    clients.add(socket);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet: mqttPacket.Packet) => {
      if (packet.cmd === 'connect') send(socket, { cmd: 'connack', returnCode: 0, sessionPresent: false });
      else if (packet.cmd === 'subscribe') send(socket, { cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map((s) => s.qos) });
      else if (packet.cmd === 'pingreq') send(socket, { cmd: 'pingresp' });
      else if (packet.cmd === 'publish') received.push({ topic: packet.topic, bytes: Buffer.byteLength(packet.payload as Buffer) });
    });
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', () => {});
    socket.on('close', () => clients.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    received,
    publish(topic, payload) {
      for (const socket of clients) send(socket, { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, messageId: messageId++ % 65_535 || 1, retain: false, dup: false });
    },
    async close() {
      for (const socket of clients) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
