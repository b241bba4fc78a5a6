// The emulated file tree: spaces, folders, files and their versions, with content, ETag and CRC per version.

import { createHash } from 'node:crypto'
import { createReadStream, readFileSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { Crc64, crc64 } from '../crc64/crc64.js'
import type { EmulatorFileSpec, EmulatorFolderSpec } from './types.js'

// Fixed default so fixtures (and their listings) are reproducible run to run.
const DEFAULT_TIME = '2024-05-01T08:00:00.000Z'

export interface StoredVersion {
  version: number
  size: number
  content?: Buffer
  path?: string
  etag: string
  modifiedTime: string
  /** undefined = not computed yet; null = the object carries no CRC. */
  crc: Promise<bigint | null> | null | undefined
}

export interface StoredEntry {
  kind: 'FILE' | 'FOLDER'
  spaceId: string
  dentryId: string
  name: string
  parentId: string
  uuid: string
  createTime: string
  modifiedTime: string
  status: 'NORMAL' | 'DELETED' | 'EXPIRED'
  archived: boolean
  current: number
  versions: Map<number, StoredVersion>
  /** EmulatorFileSpec.resourceUrl: served by another server. */
  resourceUrl?: string | undefined
  /** "ALIDOC" = an online document: listed, but not downloadable. */
  storageDriver?: string | undefined
}

export class Store {
  readonly #spaces = new Map<string, Map<string, StoredEntry>>()
  readonly #byUuid = new Map<string, StoredEntry>()

  addFolder(spec: EmulatorFolderSpec): void {
    this.#put({
      kind: 'FOLDER',
      spaceId: spec.spaceId,
      dentryId: spec.dentryId,
      name: spec.name,
      parentId: spec.parentId ?? '0',
      uuid: deriveUuid(spec.spaceId, spec.dentryId),
      createTime: DEFAULT_TIME,
      modifiedTime: DEFAULT_TIME,
      status: 'NORMAL',
      archived: false,
      current: 0,
      versions: new Map(),
    })
  }

  addFile(spec: EmulatorFileSpec): void {
    const modifiedTime = spec.modifiedTime ?? DEFAULT_TIME
    const current = spec.version ?? 1
    const versions = new Map<number, StoredVersion>()
    for (const old of spec.versions ?? [])
      versions.set(old.version, makeMemoryVersion(old.version, toBuffer(old.content), modifiedTime))
    versions.set(current, makeCurrentVersion(spec, current, modifiedTime))
    this.#put({
      kind: 'FILE',
      spaceId: spec.spaceId,
      dentryId: spec.dentryId,
      name: spec.name,
      parentId: spec.parentId ?? '0',
      uuid: spec.uuid ?? deriveUuid(spec.spaceId, spec.dentryId),
      createTime: modifiedTime,
      modifiedTime,
      status: spec.status ?? 'NORMAL',
      archived: spec.archived ?? false,
      current,
      versions,
      resourceUrl: spec.resourceUrl,
      storageDriver: spec.storageDriver,
    })
  }

  updateFile(spaceId: string, dentryId: string, content: Uint8Array): void {
    const entry = this.getEntry(spaceId, dentryId)
    if (!entry || entry.kind !== 'FILE') throw new Error(`emulator: no file ${spaceId}/${dentryId}`)
    const next = Math.max(...entry.versions.keys()) + 1
    const now = new Date().toISOString()
    entry.versions.set(next, makeMemoryVersion(next, toBuffer(content), now))
    entry.current = next
    entry.modifiedTime = now
  }

  /**
   * Gives the current version of each file (or of those with this dentryId) other bytes of the same size, in
   * place: same version number, new ETag, CRC and modifiedTime. Every byte changes (XOR with a non-zero
   * pad); files on disk are read whole (synchronously, so no request sees half a change) and kept in memory.
   */
  overwriteInPlace(dentryId?: string): void {
    for (const entry of this.allFiles()) {
      const version = entry.versions.get(entry.current)
      // A file served from elsewhere (resourceUrl) keeps its bytes there: changing only ours would lie.
      if (
        entry.kind !== 'FILE' ||
        !version ||
        entry.resourceUrl !== undefined ||
        (dentryId !== undefined && entry.dentryId !== dentryId)
      )
        continue
      const old = version.content ?? readFileSync(version.path!)
      const pad = generateContent(`overwrite:${entry.spaceId}:${entry.dentryId}:${version.version}`, old.length)
      const content = Buffer.alloc(old.length)
      for (let i = 0; i < old.length; i++) content[i] = old[i]! ^ (pad[i]! | 1)
      // Last-Modified has whole seconds: the new time must show in it even right after the last change.
      const modifiedTime = new Date(Math.max(Date.now(), Date.parse(version.modifiedTime) + 1000)).toISOString()
      version.content = content
      delete version.path
      version.etag = makeEtag(content)
      if (version.crc !== null) version.crc = undefined
      version.modifiedTime = modifiedTime
      entry.modifiedTime = modifiedTime
    }
  }

  /** Deletes a file or folder the way the recycle bin does: gone from listings, lookups answer dentryNotExist. */
  removeFile(spaceId: string, dentryId: string): void {
    const entry = this.getEntry(spaceId, dentryId)
    if (!entry) throw new Error(`emulator: no entry ${spaceId}/${dentryId}`)
    entry.status = 'DELETED'
  }

  hasSpace(spaceId: string): boolean {
    return this.#spaces.has(spaceId)
  }

  getEntry(spaceId: string, dentryId: string): StoredEntry | undefined {
    return this.#spaces.get(spaceId)?.get(dentryId)
  }

  getByUuid(uuid: string): StoredEntry | undefined {
    return this.#byUuid.get(uuid)
  }

  /** Children of a folder ("0" = root) that are not deleted, ordered by name, then dentryId. */
  listChildren(spaceId: string, parentId: string): StoredEntry[] {
    const space = this.#spaces.get(spaceId)
    if (!space) return []
    return [...space.values()]
      .filter((e) => e.parentId === parentId && e.status === 'NORMAL')
      .sort((a, b) => compare(a.name, b.name) || compare(a.dentryId, b.dentryId))
  }

  allFiles(): StoredEntry[] {
    return [...this.#spaces.values()].flatMap((space) => [...space.values()])
  }

  /** "/reports/q1.pdf": names joined verbatim, hostile ones included, as DingTalk shows them. */
  pathOf(entry: StoredEntry): string {
    const names: string[] = []
    const seen = new Set<string>()
    for (let e: StoredEntry | undefined = entry; e && !seen.has(e.dentryId); e = this.getEntry(e.spaceId, e.parentId)) {
      seen.add(e.dentryId)
      names.unshift(e.name)
    }
    return `/${names.join('/')}`
  }

  #put(entry: StoredEntry): void {
    let space = this.#spaces.get(entry.spaceId)
    if (!space) this.#spaces.set(entry.spaceId, (space = new Map()))
    space.set(entry.dentryId, entry)
    this.#byUuid.set(entry.uuid, entry)
  }
}

/** The whole-object CRC of a version, computed once (streamed for files on disk) and cached. */
export function getVersionCrc(version: StoredVersion): Promise<bigint | null> {
  if (version.crc === null) return Promise.resolve(null)
  version.crc ??= computeCrc(version)
  return version.crc
}

async function computeCrc(version: StoredVersion): Promise<bigint> {
  if (version.content) return crc64(version.content)
  const crc = new Crc64()
  for await (const chunk of createReadStream(version.path!, { highWaterMark: 4 << 20 })) crc.update(chunk as Buffer)
  return crc.value
}

/** Reads a version whole: for tests comparing what a client wrote with what was served. */
export async function readVersion(version: StoredVersion): Promise<Buffer> {
  return version.content ?? (await readFile(version.path!))
}

function makeCurrentVersion(spec: EmulatorFileSpec, version: number, modifiedTime: string): StoredVersion {
  const crc = spec.crc64 === undefined ? undefined : spec.crc64 === null ? null : Promise.resolve(spec.crc64)
  if (spec.content) return { ...makeMemoryVersion(version, toBuffer(spec.content), modifiedTime), crc }
  if (spec.path !== undefined) {
    const stat = statSync(spec.path)
    // Hashing gigabytes for an ETag would stall start-up: derive it from what identifies this file's bytes.
    const etag = makeEtag(`path:${spec.path}:${stat.size}:${stat.mtimeMs}:${version}`)
    return { version, size: stat.size, path: spec.path, etag, modifiedTime, crc }
  }
  if (spec.size !== undefined) {
    const content = generateContent(spec.dentryId, spec.size)
    const etag = makeEtag(`generated:${spec.dentryId}:${spec.size}:${version}`)
    return { version, size: spec.size, content, etag, modifiedTime, crc }
  }
  throw new Error(`emulator: file ${spec.spaceId}/${spec.dentryId} needs content, path or size`)
}

function makeMemoryVersion(version: number, content: Buffer, modifiedTime: string): StoredVersion {
  return { version, size: content.length, content, etag: makeEtag(content), modifiedTime, crc: undefined }
}

/** OSS-style strong ETag: quoted upper-case MD5 hex. */
function makeEtag(data: string | Buffer): string {
  return `"${createHash('md5').update(data).digest('hex').toUpperCase()}"`
}

/** Deterministic pseudo-random bytes (xorshift32 seeded by an FNV-1a hash of the seed string). */
export function generateContent(seed: string, size: number): Buffer {
  let state = 0x811c9dc5
  for (let i = 0; i < seed.length; i++) state = Math.imul(state ^ seed.charCodeAt(i), 0x01000193) >>> 0
  if (state === 0) state = 1
  // Fill whole words (fast), then view only `size` bytes of them.
  const words = new Uint32Array(Math.ceil(size / 4))
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    words[i] = state >>> 0
  }
  return Buffer.from(words.buffer, 0, size)
}

function deriveUuid(spaceId: string, dentryId: string): string {
  return createHash('md5').update(`uuid:${spaceId}:${dentryId}`).digest('hex')
}

function toBuffer(data: Uint8Array): Buffer {
  // A view, not a copy: benchmark fixtures can be hundreds of MiB.
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
