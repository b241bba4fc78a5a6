// Pure layout of one live progress line for a terminal width: parts drop out in a set order, never cut mid-field.

/** Columns a character takes: East Asian wide characters (file names in 钉钉 often are) take two, marks none. */
function charWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0
  const wide =
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  return wide ? 2 : 1
}

/** Pure: the columns a string takes on a terminal. */
export function displayWidth(text: string): number {
  let n = 0
  for (const ch of text) n += charWidth(ch.codePointAt(0)!)
  return n
}

/** Pure: the text in at most `width` columns; a shortened text keeps its end (a path's file name) after "…". */
export function fitStart(text: string, width: number): string {
  if (displayWidth(text) <= width) return text
  if (width <= 0) return ''
  const chars = [...text]
  let kept = ''
  let used = 1 // the ellipsis
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = charWidth(chars[i]!.codePointAt(0)!)
    if (used + w > width) break
    kept = chars[i] + kept
    used += w
  }
  return `…${kept}`
}

/** Pure: the text in at most `width` columns, cut at its end. */
export function fitEnd(text: string, width: number): string {
  if (displayWidth(text) <= width) return text
  let out = ''
  let used = 0
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0)!)
    if (used + w > width) break
    out += ch
    used += w
  }
  return out
}

export interface LinePart {
  text: string
  /** When the line is too wide, parts (and the bar) drop out lowest first; a part without one stays. */
  drop?: number
  /** A part that may be shortened from its start (a path) rather than overflow. */
  shrink?: boolean
}

export interface LineSpec {
  /** 0..1; the bar is drawn when given. */
  fraction?: number | undefined
  /** The bar's place in the drop order. */
  barDrop?: number
  barMin?: number
  barMax?: number
  /** Joined with " | " after the bar. */
  parts: LinePart[]
}

export const BAR_COMPLETE = '█'
export const BAR_INCOMPLETE = '░'

/** Pure: a bar of `width` cells, filled to `fraction`. */
export function drawBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0))
  const full = Math.round(f * width)
  return BAR_COMPLETE.repeat(full) + BAR_INCOMPLETE.repeat(width - full)
}

/**
 * Pure: the line for a terminal `width` columns wide, never wider. The bar takes what the text leaves, up
 * to barMax; when even barMin does not fit, the lowest `drop` goes (ETA, then speed, then the bar, as the
 * callers number them); what then still does not fit is shortened (a `shrink` part) or cut.
 */
export function layoutLine(width: number, spec: LineSpec): string {
  const barMin = spec.barMin ?? 10
  const barMax = spec.barMax ?? 30
  let parts = spec.parts.filter((p) => p.text !== '')
  let bar = spec.fraction !== undefined
  const text = () => parts.map((p) => p.text).join(' | ')
  // One leading space, and a space between bar and text.
  const need = () => 1 + displayWidth(text()) + (bar ? barMin + 1 : 0)
  for (;;) {
    if (need() <= width) break
    const candidates = [
      ...parts.filter((p) => p.drop !== undefined).map((p) => ({ drop: p.drop!, part: p as LinePart | undefined })),
      ...(bar && spec.barDrop !== undefined ? [{ drop: spec.barDrop, part: undefined }] : []),
    ]
    if (candidates.length === 0) break
    const lowest = candidates.reduce((a, b) => (b.drop < a.drop ? b : a))
    if (lowest.part) parts = parts.filter((p) => p !== lowest.part)
    else bar = false
  }
  if (need() > width) {
    // Too narrow even for the parts that stay: shorten the shrinkable one, then cut whatever is left.
    const over = need() - width
    parts = parts.map((p) =>
      p.shrink ? { ...p, text: fitStart(p.text, Math.max(1, displayWidth(p.text) - over)) } : p,
    )
  }
  const barWidth = bar ? Math.min(barMax, Math.max(barMin, width - 2 - displayWidth(text()))) : 0
  const line = bar ? ` ${drawBar(spec.fraction!, barWidth)} ${text()}` : ` ${text()}`
  return fitEnd(line, Math.max(0, width))
}
