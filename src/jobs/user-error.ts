/** A refusal whose message is written for the person who asked: what was wrong and what to do. */
export class UserError extends Error {
  override name = 'UserError';
}
