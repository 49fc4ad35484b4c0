// The ComfyUI client's one public entry: the package's export ("comfycord"), and what the
// rest of this project imports. Modules inside src/comfy import each other directly, never
// this file, so nothing here can form an import cycle.
export * from './schemas.ts';
export * from './errors.ts';
export * from './binary.ts';
export { ComfyHttp, redactUrl } from './http.ts';
export type { ComfyHttpOptions, QueueEntry, QueueSnapshot, UploadOptions, ViewOptions, SaveViewOptions, ImageAddress, Download, SavedFile, FileSize } from './http.ts';
export { ComfySocket, backoffDelay, parseTextFrame } from './socket.ts';
export type { ComfySocketOptions, ComfySocketEvents, SocketMessage, BackoffOptions } from './socket.ts';
export { Job, resultFromHistory } from './job.ts';
export type { JobResult, JobEvents, JobPhase } from './job.ts';
export * from './outputs.ts';
export { ComfyClient } from './client.ts';
export type { ComfyClientOptions, ComfyClientEvents, SubmitOptions } from './client.ts';
export { comboValues, describeInput, findInputSpec, readInputSpec } from './node-info.ts';
export type { InputConfig } from './node-info.ts';
export { TypedEmitter } from './emitter.ts';
