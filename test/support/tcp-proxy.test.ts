import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** Target: an echo server that records what it received and can close its connections. */
let echo: Server;
let echoPort: number;
let received: string;
let serverSockets: Socket[];
let proxy: TcpProxy | undefined;
const clients: Socket[] = [];

beforeEach(async () => {
  received = '';
  serverSockets = [];
  echo = createServer((socket) => {
    serverSockets.push(socket);
    socket.on('data', (chunk) => {
      received += chunk.toString();
      socket.write(chunk);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => echo.listen({ host: '127.0.0.1', port: 0 }, resolve));
  echoPort = (echo.address() as { port: number }).port;
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await proxy?.close();
  proxy = undefined;
  for (const socket of serverSockets) socket.destroy();
  await new Promise((resolve) => echo.close(resolve));
});

async function open(port: number): Promise<Socket> {
  const socket = tcpConnect({ host: '127.0.0.1', port });
  clients.push(socket);
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

function nextData(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('data', (chunk) => resolve(chunk.toString())));
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));
}

/** Lets the event loop and the loopback interface carry whatever is in flight. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

it('pass: forwards both ways', async () => {
  proxy = await startTcpProxy({ targetPort: echoPort });
  const client = await open(proxy.port);
  const reply = nextData(client);
  client.write('ping');
  expect(await reply).toBe('ping');
  expect(proxy.stats).toMatchObject({ accepted: 1, dropped: 0, open: 1 });
});

it('drop-new: a new connection is cut after the drop delay, and later ones pass once switched back', async () => {
  proxy = await startTcpProxy({ targetPort: echoPort, mode: 'drop-new', dropDelayMs: () => 20 });
  const dropped = await open(proxy.port);
  await closed(dropped);
  expect(proxy.stats).toMatchObject({ accepted: 1, dropped: 1, open: 0 });

  proxy.mode = 'pass';
  const client = await open(proxy.port);
  const reply = nextData(client);
  client.write('again');
  expect(await reply).toBe('again');
});

it('drop-new: by default every new connection is cut (after 0–40 ms)', async () => {
  proxy = await startTcpProxy({ targetPort: echoPort, mode: 'drop-new' });
  const sockets = await Promise.all([1, 2, 3].map(() => open(proxy!.port)));
  await Promise.all(sockets.map(closed));
  expect(proxy.stats.dropped).toBe(3);
});

it('partition: forwards nothing either way and closes nothing, until it heals', async () => {
  proxy = await startTcpProxy({ targetPort: echoPort });
  const client = await open(proxy.port);
  const first = nextData(client);
  client.write('before');
  expect(await first).toBe('before');

  proxy.mode = 'partition';
  let clientData = '';
  client.on('data', (chunk) => {
    clientData += chunk.toString();
  });
  client.write('during');
  serverSockets[0]!.write('from-server');
  await settle();
  expect(received).toBe('before');
  expect(clientData).toBe('');
  expect(client.closed).toBe(false);

  proxy.mode = 'pass';
  await expect.poll(() => received).toBe('beforeduring');
  await expect.poll(() => clientData).toBe('from-serverduring');
});

it('partition: a peer that closes is not told to the other side until the partition heals', async () => {
  proxy = await startTcpProxy({ targetPort: echoPort });
  const client = await open(proxy.port);
  await expect.poll(() => serverSockets.length).toBe(1);

  proxy.mode = 'partition';
  serverSockets[0]!.destroy();
  await settle();
  expect(client.closed).toBe(false);

  proxy.mode = 'pass';
  await closed(client);
});

it('cutAll: resets every open connection', async () => {
  proxy = await startTcpProxy({ targetPort: echoPort });
  const sockets = await Promise.all([open(proxy.port), open(proxy.port)]);
  await expect.poll(() => proxy!.stats.open).toBe(2);
  proxy.cutAll();
  await Promise.all(sockets.map(closed));
  expect(proxy.stats.open).toBe(0);
});
