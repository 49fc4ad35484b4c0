export interface NodeError {
  exception_type: string;
  exception_message: string;
  /** Defaults to a plausible ComfyUI stack. */
  traceback?: string[];
}

/** Node classes told to raise when they run (`fake.failNode`). */
export class NodeFaults {
  private readonly faults = new Map<string, { error: NodeError; remaining: number }>();

  set(classType: string, error: NodeError | null, times: number): void {
    if (error === null) this.faults.delete(classType);
    else this.faults.set(classType, { error, remaining: times });
  }

  take(classType: string): NodeError | undefined {
    const fault = this.faults.get(classType);
    if (!fault) return undefined;
    if (--fault.remaining <= 0) this.faults.delete(classType);
    return fault.error;
  }
}
