/**
 * The bot-name rule, the same as the server's (server/poe_lsp/botnames.py):
 * a bot `X` is requested at `<base>X`, so a name may hold nothing that
 * leaves that path (`/`, `..`, `?`, `#`, spaces, control characters).
 * Real names such as `GPT-5`, `Claude-Sonnet-4.5` or `Llama-3.1-405B` keep it.
 */

/** A letter or digit, then up to 63 letters, digits, `.`, `-` or `_`. */
export const BOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The rule in words, for the input box. */
export const BOT_NAME_RULE =
  "A Poe bot name: letters, digits, '.', '-' and '_', starting with a letter or digit, at most 64 characters";

/** Whether `value` may name a Poe bot. */
export function isBotName(value: unknown): value is string {
  // JavaScript's `$` (without the m flag) matches only at the very end: no final newline.
  return typeof value === "string" && BOT_NAME.test(value);
}
