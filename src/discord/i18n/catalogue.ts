// The shape of a language's catalogue: one string for every key of en-US.
import type { MessageKey } from './locales/en-US.ts';

export type { MessageKey };
export type Catalogue = Record<MessageKey, string>;
