// Queue news between the processes of a sharded bot. Each shard process tells
// the ShardingManager (its parent) over the IPC channel discord.js already opens,
// and the manager passes it on to every other shard (relayQueueEvents, main.ts).
// A lost message costs only time: every process also looks again on a timer.
import type { QueueEvent, QueueSignal } from './service.ts';

const TAG = 'comfycordQueue';

export class ProcessSignal implements QueueSignal {
  notify(event: QueueEvent): void {
    if (!process.send || !process.connected) return;
    process.send({ [TAG]: event }, undefined, undefined, () => {});
  }

  onEvent(handler: (event: QueueEvent) => void): void {
    process.on('message', (message) => {
      const event = (message as Record<string, unknown> | null)?.[TAG] as QueueEvent | undefined;
      if (event) handler(event);
    });
  }
}

/** Something a shard can be given a message by (discord.js's Shard). */
export interface ShardLike {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  send(message: unknown): Promise<unknown>;
}

/** In the ShardingManager: a shard's queue news goes to every other shard. */
export function relayQueueEvents(shard: ShardLike, all: () => Iterable<ShardLike>): void {
  shard.on('message', (message) => {
    if (!(message as Record<string, unknown> | null)?.[TAG]) return;
    for (const other of all()) if (other !== shard) other.send(message).catch(() => {});
  });
}
