// /readyz: ready only when the Discord gateway is connected, the database takes
// writes and at least one ComfyUI server answers. Pure: the checks come in as values.

export interface ServerState {
  /** The address without credentials or query (redactUrl). */
  server: string;
  healthy: boolean;
}

export interface ReadinessInput {
  gateway: boolean;
  database: { ok: boolean; error?: string };
  servers: ServerState[];
}

export type CheckName = 'discord_gateway' | 'database' | 'comfyui';

export interface Readiness {
  ready: boolean;
  /** The checks that failed, by name. */
  notReady: CheckName[];
  checks: {
    discord_gateway: { ok: boolean };
    database: { ok: boolean; error?: string };
    comfyui: { ok: boolean; servers: ServerState[] };
  };
}

export function readiness(input: ReadinessInput): Readiness {
  const checks: Readiness['checks'] = {
    discord_gateway: { ok: input.gateway },
    database: input.database.ok ? { ok: true } : { ok: false, ...(input.database.error ? { error: input.database.error } : {}) },
    comfyui: { ok: input.servers.some((s) => s.healthy), servers: input.servers },
  };
  const notReady = (Object.keys(checks) as CheckName[]).filter((k) => !checks[k].ok);
  return { ready: notReady.length === 0, notReady, checks };
}
