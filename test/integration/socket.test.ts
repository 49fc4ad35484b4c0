// The socket notices a connection that fell silent (no frames, no pongs) and reconnects.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ComfySocket } from '../../src/comfy/index.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('ComfySocket', () => {
  it('drops a silent connection and reconnects', async () => {
    // A server that accepts the socket but never answers pings: a half-dead connection.
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    let connections = 0;
    server.on('connection', () => connections++);
    const port = (server.address() as { port: number }).port;
    const socket = new ComfySocket({
      url: `ws://127.0.0.1:${port}/ws?clientId=x`,
      pingIntervalMs: 30,
      silenceMs: 100,
      backoff: { initialMs: 10, maxMs: 20, jitter: 0 },
    });
    cleanups.push(() => socket.stop());
    const reopened = new Promise<void>((resolve) => socket.on('open', (e) => e.reconnect && resolve()));
    const closed = new Promise<{ willRetry: boolean }>((resolve) => socket.once('close', (e) => resolve(e)));
    socket.start();
    expect((await closed).willRetry).toBe(true);
    await reopened;
    expect(connections).toBeGreaterThanOrEqual(2);
  });
});
