// A stand-in ComfyUI for the event-path bench, in its own process: every
// WebSocket that connects gets the recorded stream `rounds` times, as fast as
// the socket takes it. HTTP answers just enough for each client's start-up
// (GET /prompt, /system_stats; `{}` for anything else).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { recordedStream } from './support.ts';

const rounds = Number(process.argv[2] ?? 100);
const frames = recordedStream();

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const body =
    path === '/prompt'
      ? { exec_info: { queue_remaining: 0 } }
      : path === '/system_stats'
        ? { system: { os: 'posix', python_version: '3.12', embedded_python: false }, devices: [] }
        : {};
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => void stream(ws));
});

async function stream(ws: WebSocket): Promise<void> {
  // Let the client finish its own handshake (feature flags, listeners) first.
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < rounds && ws.readyState === ws.OPEN; i++) {
    for (const f of frames) ws.send(f.buf, { binary: f.binary });
    while (ws.bufferedAmount > 4 * 1024 * 1024 && ws.readyState === ws.OPEN) await new Promise((r) => setTimeout(r, 1));
  }
}

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, frames: frames.length * rounds })}\n`);
});
process.on('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => process.exit(0));
});
