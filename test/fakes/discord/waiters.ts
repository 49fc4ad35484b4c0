interface Waiter<T> {
  predicate: (item: T) => boolean;
  resolve: (item: T) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * "First past or future item that matches": tests can wait for something that may already
 * have happened without racing the fake, and without sleeping.
 */
export class Waiters<T> {
  private readonly pending = new Set<Waiter<T>>();

  wait(
    predicate: (item: T) => boolean,
    past: Iterable<T>,
    timeoutMs: number,
    describeTimeout: () => string,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      try {
        for (const item of past) if (predicate(item)) return resolve(item);
      } catch (error) {
        return reject(error);
      }
      const waiter: Waiter<T> = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.pending.delete(waiter);
          reject(new Error(describeTimeout()));
        }, timeoutMs),
      };
      this.pending.add(waiter);
    });
  }

  notify(item: T): void {
    for (const waiter of [...this.pending]) {
      let matched: boolean;
      try {
        matched = waiter.predicate(item);
      } catch (error) {
        this.settle(waiter);
        waiter.reject(error as Error);
        continue;
      }
      if (matched) {
        this.settle(waiter);
        waiter.resolve(item);
      }
    }
  }

  rejectAll(reason: string): void {
    for (const waiter of [...this.pending]) {
      this.settle(waiter);
      waiter.reject(new Error(reason));
    }
  }

  private settle(waiter: Waiter<T>): void {
    clearTimeout(waiter.timer);
    this.pending.delete(waiter);
  }
}
