// The one function every line for a terminal or a log goes through: what a server or a file name carries
// (escape sequences, carriage returns, bidi overrides) is shown, never obeyed. --json is exact JSON instead.

/**
 * C0 and C1 controls, DEL (ESC and CR among them), and the bidi controls that reorder what follows (LRE RLE
 * PDF LRO RLO, LRI RLI FSI PDI, ALM, LRM RLM): a name like `evil\u202Etxt.exe` or a message holding `ESC]0;`
 * could otherwise rewrite the terminal's title, clear the screen, or show one thing and be another.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** Pure: `text` with every unsafe character written out as an escape (`\x1b`, `\u202e`), so it is seen. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}
