export interface RestResponse {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
  /** Why this answer, for the request log (e.g. "no route"). */
  note?: string;
}

export const ok = (json: unknown): RestResponse => ({ status: 200, json });
export const created = (json: unknown): RestResponse => ({ status: 201, json });
export const noContent = (): RestResponse => ({ status: 204 });

export function apiError(status: number, code: number, message: string, note?: string): RestResponse {
  return { status, json: { message, code }, ...(note ? { note } : {}) };
}

/** Discord's JSON error codes, with the messages Discord uses, so bots can branch on `code`. */
export const errors = {
  unauthorized: () => apiError(401, 0, '401: Unauthorized'),
  notFound: (note: string) => apiError(404, 0, '404: Not Found', note),
  methodNotAllowed: () => apiError(405, 0, '405: Method Not Allowed', 'method not allowed'),
  unknownApplication: () => apiError(404, 10002, 'Unknown Application'),
  unknownChannel: () => apiError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => apiError(404, 10004, 'Unknown Guild'),
  unknownMember: () => apiError(404, 10007, 'Unknown Member'),
  unknownMessage: () => apiError(404, 10008, 'Unknown Message'),
  unknownUser: () => apiError(404, 10013, 'Unknown User'),
  unknownEmoji: () => apiError(400, 10014, 'Unknown Emoji'),
  unknownWebhook: () => apiError(404, 10015, 'Unknown Webhook'),
  unknownCommand: () => apiError(404, 10063, 'Unknown application command'),
  unknownInteraction: () => apiError(404, 10062, 'Unknown interaction'),
  missingAccess: () => apiError(403, 50001, 'Missing Access'),
  cannotEditOthersMessage: () => apiError(403, 50005, 'Cannot edit a message authored by another user'),
  emptyMessage: () => apiError(400, 50006, 'Cannot send an empty message'),
  cannotMessageUser: () => apiError(403, 50007, 'Cannot send messages to this user'),
  invalidWebhookToken: () => apiError(401, 50027, 'Invalid Webhook Token'),
  alreadyAcknowledged: () => apiError(400, 40060, 'Interaction has already been acknowledged.'),
  entityTooLarge: () => apiError(413, 40005, 'Request entity too large'),
  invalidFormBody: (detail: string) => ({ ...apiError(400, 50035, 'Invalid Form Body'), note: detail }),
};
