// Discord refuses a whole request (400 Invalid Form Body) when one text is over its limit, and the
// user then gets no answer at all. Every request the bot sends passes through here on its way
// out, so that no message, embed, modal or autocomplete answer can exceed them: a text over its
// limit is cut (with "…"). Messages that echo what a user typed shorten the echo themselves, so
// they stay readable; this is the net under everything else.
/** Discord's limits, in characters (Unicode code points), as in its OpenAPI description. */
export const DISCORD_LIMITS = {
  content: 2000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFieldName: 256,
  embedFieldValue: 1024,
  embedFooter: 2048,
  embedAuthor: 256,
  modalTitle: 45,
  choiceName: 100,
} as const;

// Interaction callback types whose `data` is a modal, or autocomplete choices.
const MODAL = 9;
const AUTOCOMPLETE_RESULT = 8;

/** `text` cut to at most `max` code points, ending in "…" when it was cut; never splits a character. */
export function clip(text: string, max: number): string {
  // A string of at most `max` UTF-16 units has at most `max` code points: the common case costs nothing.
  if (text.length <= max) return text;
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points.slice(0, max - 1).join('')}…`;
}

/**
 * Cuts every text of a request body (a message, or an interaction callback's data) to Discord's
 * limits, in place. Returns the JSON paths it shortened, e.g. `["data.content"]`.
 */
export function fitToLimits(body: unknown): string[] {
  const cut: string[] = [];
  if (!isObject(body)) return cut;
  if (typeof body['type'] === 'number' && isObject(body['data'])) {
    const data = body['data'];
    if (body['type'] === MODAL) fit(data, 'title', DISCORD_LIMITS.modalTitle, 'data.title', cut);
    else if (body['type'] === AUTOCOMPLETE_RESULT) {
      for (const [i, choice] of asArray(data['choices']).entries()) fit(choice, 'name', DISCORD_LIMITS.choiceName, `data.choices[${i}].name`, cut);
    } else fitMessage(data, 'data.', cut);
  } else {
    fitMessage(body, '', cut);
  }
  return cut;
}

function fitMessage(message: Record<string, unknown>, prefix: string, cut: string[]): void {
  fit(message, 'content', DISCORD_LIMITS.content, `${prefix}content`, cut);
  for (const [i, embed] of asArray(message['embeds']).entries()) {
    const at = `${prefix}embeds[${i}]`;
    fit(embed, 'title', DISCORD_LIMITS.embedTitle, `${at}.title`, cut);
    fit(embed, 'description', DISCORD_LIMITS.embedDescription, `${at}.description`, cut);
    if (isObject(embed)) {
      fit(embed['footer'], 'text', DISCORD_LIMITS.embedFooter, `${at}.footer.text`, cut);
      fit(embed['author'], 'name', DISCORD_LIMITS.embedAuthor, `${at}.author.name`, cut);
      for (const [j, field] of asArray(embed['fields']).entries()) {
        fit(field, 'name', DISCORD_LIMITS.embedFieldName, `${at}.fields[${j}].name`, cut);
        fit(field, 'value', DISCORD_LIMITS.embedFieldValue, `${at}.fields[${j}].value`, cut);
      }
    }
  }
}

function fit(holder: unknown, key: string, max: number, path: string, cut: string[]): void {
  if (!isObject(holder) || typeof holder[key] !== 'string') return;
  const text = holder[key];
  const clipped = clip(text, max);
  if (clipped !== text) {
    holder[key] = clipped;
    cut.push(path);
  }
}

/**
 * The same for a request on its way out (discord.js's `makeRequest`): a JSON body, or the
 * `payload_json` part of a multipart one. A body shorter than the smallest limit it could
 * break is not even parsed.
 */
export function fitRequest(init: { body?: unknown }): string[] {
  const { body } = init;
  if (typeof body === 'string') {
    if (body.length <= DISCORD_LIMITS.modalTitle) return [];
    const parsed = parseJson(body);
    const cut = fitToLimits(parsed);
    if (cut.length > 0) init.body = JSON.stringify(parsed);
    return cut;
  }
  if (isFormData(body)) {
    const payload = body.get('payload_json');
    if (typeof payload !== 'string' || payload.length <= DISCORD_LIMITS.modalTitle) return [];
    const parsed = parseJson(payload);
    const cut = fitToLimits(parsed);
    if (cut.length > 0) body.set('payload_json', JSON.stringify(parsed));
    return cut;
  }
  return [];
}

// discord.js's FormData may come from its own copy of undici: recognised by its methods.
function isFormData(value: unknown): value is FormData {
  return isObject(value) && typeof value['get'] === 'function' && typeof value['set'] === 'function' && typeof value['append'] === 'function';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
