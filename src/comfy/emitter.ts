import { EventEmitter } from 'node:events';

type Listener<A> = [A] extends [void] ? () => void : (arg: A) => void;

/** EventEmitter with one typed argument per event name. */
export class TypedEmitter<Events extends Record<string, unknown>> {
  /** Made on the first listener: most jobs of a busy client are never watched, and emitting to nobody is then free. */
  private emitter: EventEmitter | undefined;

  private listeners(): EventEmitter {
    if (!this.emitter) {
      this.emitter = new EventEmitter();
      // Many jobs may watch one client; the default cap of 10 is for leak hunting, not for us.
      this.emitter.setMaxListeners(0);
    }
    return this.emitter;
  }

  on<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    this.listeners().on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    this.listeners().once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    this.emitter?.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  removeAllListeners(): this {
    this.emitter?.removeAllListeners();
    return this;
  }

  listenerCount<K extends keyof Events & string>(event: K): number {
    return this.emitter?.listenerCount(event) ?? 0;
  }

  protected emit<K extends keyof Events & string>(event: K, ...arg: [Events[K]] extends [void] ? [] : [Events[K]]): void {
    // 'error' with no listener would throw from inside the socket handler and kill the process.
    if (!this.emitter || (event === 'error' && this.emitter.listenerCount('error') === 0)) return;
    this.emitter.emit(event, ...arg);
  }
}
