// Pure planning for `get -r`: untrusted remote names → safe, collision-free relative paths, filtered by globs.
import { UsageError } from '../errors.js'
import { isSideFileName } from '../engine/resume-record.js'
import { isSyncStateName } from './sync-state.js'
import { MAX_NAME_BYTES, sanitizeFileName } from '../disk/paths.js'

/** One remote entry as the planner needs it. */
export interface RemoteNode {
  id: string
  parentId: string
  /** Verbatim from the server. */
  name: string
  isFolder: boolean
  size?: number | undefined
  /** From the listing, for the sync state (see sync-plan.ts). */
  version?: number | undefined
  modifiedTime?: string | undefined
}

export interface PlannedFile {
  id: string
  /** POSIX path relative to the mirror's directory, every segment sanitised. */
  relPath: string
  size: number | undefined
  version?: number | undefined
  modifiedTime?: string | undefined
}

export interface MirrorPlan {
  /** Selected files, in pre-order (a folder's files before its subfolders' files), siblings by clean name. */
  files: PlannedFile[]
  /** Every folder and its relative path (parents first): empty ones are recreated when no filter is given. */
  folders: { id: string; relPath: string }[]
  /** Files the filters left out. */
  excluded: number
}

export interface PathFilters {
  include: readonly string[]
  exclude: readonly string[]
}

/**
 * Pure: orders ids the way the server numbers them: numeric ids by value, others by code point. The order
 * decides which of two colliding names keeps its name, so it must never depend on the listing's order.
 */
export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const x = a.replace(/^0+(?=.)/, '')
    const y = b.replace(/^0+(?=.)/, '')
    if (x.length !== y.length) return x.length - y.length
    if (x !== y) return x < y ? -1 : 1
  }
  return a < b ? -1 : a > b ? 1 : 0
}

/** Pure: one remote name → one safe local name (sanitised, and never one of dtdl's own partial-file names). */
export function cleanName(name: string, id: string): string {
  const clean = sanitizeFileName(name, sanitizeFileName(id))
  // A remote file must never take one of the names dtdl itself writes beside a download.
  return isSideFileName(clean) || isSyncStateName(clean) ? `${clean}_` : clean
}

/**
 * Pure: "report.txt", 2 → "report (2).txt"; the suffix goes before the extension, within MAX_NAME_BYTES UTF-8 bytes.
 */
export function withCounter(name: string, n: number): string {
  const dot = name.lastIndexOf('.')
  // ".bashrc" has no extension; neither has a name ending in a dot (sanitised names never do).
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, '']
  const suffix = ` (${n})`
  const chars = [...stem]
  while (chars.length > 1 && Buffer.byteLength(chars.join('') + suffix + ext) > MAX_NAME_BYTES) chars.pop()
  return chars.join('') + suffix + ext
}

/**
 * Pure: settles the names of one folder's children. Each is cleaned; then, in dentryId order, the first
 * of any names that are equal ignoring case (Windows and macOS cannot hold both) keeps it, and the others
 * get " (2)", " (3)"... A name that was already unique keeps it even if a counter would produce it.
 */
export function settleSiblingNames(siblings: readonly { id: string; name: string }[]): Map<string, string> {
  const ordered = [...siblings].sort((a, b) => compareIds(a.id, b.id))
  const key = (s: string) => s.toLowerCase()
  const taken = new Set<string>()
  const result = new Map<string, string>()
  const losers: { id: string; clean: string }[] = []
  for (const s of ordered) {
    const clean = cleanName(s.name, s.id)
    if (taken.has(key(clean))) losers.push({ id: s.id, clean })
    else {
      taken.add(key(clean))
      result.set(s.id, clean)
    }
  }
  for (const l of losers) {
    let n = 2
    while (taken.has(key(withCounter(l.clean, n)))) n++
    const name = withCounter(l.clean, n)
    taken.add(key(name))
    result.set(l.id, name)
  }
  return result
}

/**
 * Pure: a glob → a RegExp over relative POSIX paths. `*` matches within a segment, `**` across segments,
 * `?` one character; everything else is literal. A pattern without "/" matches a name at any depth (like
 * rsync and .gitignore); a leading "/" anchors it at the top; a trailing "/" means "everything under it".
 */
export function globToRegExp(pattern: string): RegExp {
  if (pattern.trim() === '')
    throw new UsageError('an empty --include/--exclude pattern matches nothing', { code: 'BAD_OPTION' })
  let p = pattern
  if (p.endsWith('/')) p += '**'
  if (p.startsWith('/')) p = p.slice(1)
  else if (!p.includes('/')) p = `**/${p}`
  let re = ''
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!
    if (c === '*' && p[i + 1] === '*') {
      const atSegmentStart = i === 0 || p[i - 1] === '/'
      if (atSegmentStart && p[i + 2] === '/') {
        re += '(?:[^/]*/)*' // "**/": zero or more whole folders
        i += 2
      } else {
        re += '.*'
        i += 1
      }
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else re += escapeRegExp(c)
  }
  return new RegExp(`^${re}$`)
}

/** Pure: compiles --include/--exclude; a path is taken if it matches any include (or there is none) and no exclude. */
export function compileFilters(filters: PathFilters): (relPath: string) => boolean {
  const include = filters.include.map(globToRegExp)
  const exclude = filters.exclude.map(globToRegExp)
  // A pattern that matches a folder matches everything in it: `--exclude tmp` drops tmp/a/b.txt too.
  const matches = (res: RegExp[], relPath: string) => {
    const segments = relPath.split('/')
    return res.some((re) => segments.some((_, i) => re.test(segments.slice(0, i + 1).join('/'))))
  }
  return (relPath) => (include.length === 0 || matches(include, relPath)) && !matches(exclude, relPath)
}

/**
 * Pure: turns a walked tree into the mirror's files and folders. Names are settled per folder (files and
 * folders share one namespace), so the same remote tree always gives the same local paths.
 */
export function planMirror(
  rootId: string,
  nodes: readonly RemoteNode[],
  filters: PathFilters = { include: [], exclude: [] },
): MirrorPlan {
  const accept = compileFilters(filters)
  const children = new Map<string, RemoteNode[]>()
  for (const n of nodes) {
    const list = children.get(n.parentId)
    if (list) list.push(n)
    else children.set(n.parentId, [n])
  }
  const plan: MirrorPlan = { files: [], folders: [], excluded: 0 }
  const seen = new Set<string>([rootId])
  const visit = (folderId: string, prefix: string) => {
    const kids = children.get(folderId) ?? []
    const names = settleSiblingNames(kids)
    const sorted = [...kids].sort((a, b) => (names.get(a.id)! < names.get(b.id)! ? -1 : 1))
    for (const kid of sorted.filter((k) => !k.isFolder)) {
      const relPath = prefix + names.get(kid.id)!
      if (accept(relPath))
        plan.files.push({ id: kid.id, relPath, size: kid.size, version: kid.version, modifiedTime: kid.modifiedTime })
      else plan.excluded++
    }
    for (const kid of sorted.filter((k) => k.isFolder && !seen.has(k.id))) {
      seen.add(kid.id)
      const relPath = prefix + names.get(kid.id)!
      plan.folders.push({ id: kid.id, relPath })
      visit(kid.id, `${relPath}/`)
    }
  }
  visit(rootId, '')
  return plan
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
