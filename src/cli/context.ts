// What every CLI command runs with: the server, the output, the --json switch. Built by run.ts.
import type { ComfyClient, ComfyHttp } from '../comfy/index.ts';

export interface CliContext {
  http: ComfyHttp;
  newClient: () => ComfyClient;
  json: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}
