import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { GatewayOpcodes } from 'discord-api-types/v10';
import type {
  APIGuildMember,
  GatewayGuildCreateDispatchData,
  GatewayIdentifyData,
  GatewayReadyDispatchData,
  GatewayRequestGuildMembersData,
  GatewayResumeData,
} from 'discord-api-types/v10';
import { WebSocket, WebSocketServer } from 'ws';
import { requiredIntent } from './intents.ts';
import { shardOf } from './snowflakes.ts';

export type ShardTuple = [shardId: number, shardCount: number];

export interface GatewayHooks {
  heartbeatInterval: number;
  filterIntents: boolean;
  /** When set, IDENTIFY/RESUME with another token is closed with 4004 like Discord does. */
  token: string | undefined;
  resumeUrl: () => string;
  ready: (shard: ShardTuple, sessionId: string) => GatewayReadyDispatchData;
  guildsFor: (shard: ShardTuple) => GatewayGuildCreateDispatchData[];
  members: (guildId: string) => APIGuildMember[];
}

/** Where a dispatch goes: the shard owning `guildId`, an explicit shard, or shard 0 for DMs. */
export interface DispatchTarget {
  guildId?: string | null;
  shard?: number;
}

export interface DispatchRecord {
  t: string;
  d: unknown;
  sessionId: string;
  shard: ShardTuple;
  s?: number;
  /** Why it was not sent: the session's IDENTIFY lacked the intent. */
  dropped?: 'intent';
  at: number;
}

export interface GatewayClose {
  sessionId: string | undefined;
  code: number;
  reason: string;
  by: 'client' | 'fake';
  at: number;
}

interface Session {
  id: string;
  shard: ShardTuple;
  intents: number;
  token: string;
  seq: number;
  socket: WebSocket | undefined;
  /** Recent dispatches, replayed on RESUME like Discord does. */
  sent: Array<{ s: number; text: string }>;
}

const REPLAY_BUFFER = 200;

export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<string, Session>();
  private readonly sockets = new Set<WebSocket>();
  readonly identifies: GatewayIdentifyData[] = [];
  readonly dispatches: DispatchRecord[] = [];
  readonly closes: GatewayClose[] = [];
  /** Turn off to simulate a zombie connection (heartbeats go unanswered). */
  heartbeatAcks = true;

  constructor(server: Server, private readonly hooks: GatewayHooks) {
    this.wss = new WebSocketServer({ server, path: '/gateway' });
    this.wss.on('connection', (socket, req) => this.accept(socket, req));
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  /** Sends to every session that owns the target; resolves with how many sessions took it. */
  async dispatch(t: string, d: unknown, target: DispatchTarget = {}): Promise<number> {
    const sends: Array<Promise<boolean>> = [];
    for (const session of this.sessions.values()) {
      if (owns(session, target)) sends.push(this.deliver(session, t, d, Boolean(target.guildId)));
    }
    return (await Promise.all(sends)).filter(Boolean).length;
  }

  /** Server-side close of every socket (or one shard's), e.g. 4000 to make clients RESUME. */
  disconnect(code = 4000, shard?: number): void {
    for (const session of this.sessions.values()) {
      if (shard !== undefined && session.shard[0] !== shard) continue;
      if (session.socket) this.close(session.socket, session, code, 'closed by the test');
    }
  }

  stop(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private accept(socket: WebSocket, req: IncomingMessage): void {
    this.sockets.add(socket);
    let session: Session | undefined;
    socket.on('close', (code, reason) => {
      this.sockets.delete(socket);
      this.closes.push({ sessionId: session?.id, code, reason: reason.toString(), by: 'client', at: Date.now() });
      if (session?.socket === socket) session.socket = undefined;
      // 1000/1001 end a session for good on Discord; anything else leaves it resumable.
      if (session && (code === 1000 || code === 1001)) this.sessions.delete(session.id);
    });

    const query = new URL(req.url ?? '/', 'http://fake').searchParams;
    if (query.get('compress') || (query.get('encoding') ?? 'json') !== 'json') {
      this.close(socket, undefined, 4002, 'the fake speaks uncompressed JSON only (keep zlib-sync out)');
      return;
    }

    // Text frames arrive as one Buffer (ws's default binaryType, 'nodebuffer').
    socket.on('message', (raw: Buffer) => {
      let packet: { op?: unknown; d?: unknown };
      try {
        packet = JSON.parse(raw.toString()) as { op?: unknown; d?: unknown };
      } catch {
        this.close(socket, session, 4002, 'Error while decoding payload.');
        return;
      }
      switch (packet.op) {
        case GatewayOpcodes.Heartbeat:
          if (this.heartbeatAcks) socket.send(JSON.stringify({ op: GatewayOpcodes.HeartbeatAck }));
          return;
        case GatewayOpcodes.Identify:
          if (session) return this.close(socket, session, 4005, 'Already authenticated.');
          session = this.identify(socket, packet.d as GatewayIdentifyData);
          return;
        case GatewayOpcodes.Resume:
          if (session) return this.close(socket, session, 4005, 'Already authenticated.');
          session = this.resume(socket, packet.d as GatewayResumeData);
          return;
        case GatewayOpcodes.RequestGuildMembers:
          if (!session) return this.close(socket, undefined, 4003, 'Not authenticated.');
          void this.sendMembers(session, packet.d as GatewayRequestGuildMembersData);
          return;
        case GatewayOpcodes.PresenceUpdate:
        case GatewayOpcodes.VoiceStateUpdate:
          if (!session) this.close(socket, undefined, 4003, 'Not authenticated.');
          return;
        default:
          this.close(socket, session, 4001, 'Unknown opcode.');
      }
    });

    socket.send(JSON.stringify({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.hooks.heartbeatInterval }, s: null, t: null }));
  }

  private identify(socket: WebSocket, data: GatewayIdentifyData): Session | undefined {
    this.identifies.push(data);
    if (this.hooks.token !== undefined && data.token !== this.hooks.token) {
      this.close(socket, undefined, 4004, 'Authentication failed.');
      return undefined;
    }
    if (typeof data.intents !== 'number') {
      this.close(socket, undefined, 4013, 'Invalid intent(s).');
      return undefined;
    }
    const shard: ShardTuple = data.shard ?? [0, 1];
    if (shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1]) {
      this.close(socket, undefined, 4010, 'Invalid shard.');
      return undefined;
    }
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      shard,
      intents: data.intents,
      token: data.token,
      seq: 0,
      socket,
      sent: [],
    };
    this.sessions.set(session.id, session);
    void this.send(session, 'READY', this.hooks.ready(shard, session.id));
    for (const guild of this.hooks.guildsFor(shard)) void this.deliver(session, 'GUILD_CREATE', guild, true);
    return session;
  }

  private resume(socket: WebSocket, data: GatewayResumeData): Session | undefined {
    const session = this.sessions.get(data.session_id);
    if (!session || session.token !== data.token) {
      // d:false = not resumable, the client must IDENTIFY again.
      socket.send(JSON.stringify({ op: GatewayOpcodes.InvalidSession, d: false }));
      return undefined;
    }
    session.socket = socket;
    for (const entry of session.sent) if (entry.s > (data.seq ?? 0)) socket.send(entry.text);
    void this.send(session, 'RESUMED', {});
    return session;
  }

  private async sendMembers(session: Session, request: GatewayRequestGuildMembersData): Promise<void> {
    let members = this.hooks.members(request.guild_id);
    if ('user_ids' in request && request.user_ids !== undefined) {
      const ids = new Set([request.user_ids].flat());
      members = members.filter((m) => ids.has(m.user.id));
    } else if ('query' in request && request.query) {
      const query = request.query.toLowerCase();
      members = members.filter((m) => m.user.username.toLowerCase().startsWith(query));
    }
    if ('limit' in request && request.limit) members = members.slice(0, request.limit);
    await this.send(session, 'GUILD_MEMBERS_CHUNK', {
      guild_id: request.guild_id,
      members,
      chunk_index: 0,
      chunk_count: 1,
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
    });
  }

  private async deliver(session: Session, t: string, d: unknown, inGuild: boolean): Promise<boolean> {
    const intent = requiredIntent(t, inGuild);
    if (this.hooks.filterIntents && intent !== undefined && (session.intents & intent) === 0) {
      this.dispatches.push({ t, d, sessionId: session.id, shard: session.shard, dropped: 'intent', at: Date.now() });
      return false;
    }
    await this.send(session, t, d);
    return true;
  }

  private send(session: Session, t: string, d: unknown): Promise<void> {
    session.seq += 1;
    const s = session.seq;
    const text = JSON.stringify({ op: GatewayOpcodes.Dispatch, t, s, d });
    session.sent.push({ s, text });
    if (session.sent.length > REPLAY_BUFFER) session.sent.shift();
    this.dispatches.push({ t, d, sessionId: session.id, shard: session.shard, s, at: Date.now() });
    const socket = session.socket;
    // Without a socket the event waits in the replay buffer for a RESUME.
    if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve) => socket.send(text, () => resolve()));
  }

  private close(socket: WebSocket, session: Session | undefined, code: number, reason: string): void {
    this.closes.push({ sessionId: session?.id, code, reason, by: 'fake', at: Date.now() });
    socket.close(code, reason);
  }
}

function owns(session: Session, target: DispatchTarget): boolean {
  const [shardId, shardCount] = session.shard;
  if (target.shard !== undefined) return shardId === target.shard;
  if (target.guildId) return shardOf(target.guildId, shardCount) === shardId;
  return shardId === 0;
}
