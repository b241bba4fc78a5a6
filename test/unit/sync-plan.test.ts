// Table tests for the pure sync planner (state + listing + local stat → action) and the state file's I/O.
import { describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  localMatches,
  planSync,
  type ListedFile,
  type LocalStat,
  type SyncPlanInput,
} from '../../src/batch/sync-plan.js'
import { openMirrorSync } from '../../src/batch/mirror-sync.js'
import {
  emptySyncState,
  readSyncState,
  syncStatePath,
  writeSyncState,
  type SyncEntry,
  type SyncState,
} from '../../src/batch/sync-state.js'

const T = '2024-05-01T08:00:00.000Z'
const entry = (over: Partial<SyncEntry> = {}): SyncEntry => ({
  owner: 'placed',
  dentryId: '1',
  version: 1,
  size: 100,
  modifiedTime: T,
  crc64: '42',
  localSize: 100,
  localMtimeMs: 1_700_000_000_123.5,
  ...over,
})
const listed = (over: Partial<ListedFile> = {}): ListedFile => ({
  id: '1',
  relPath: 'a.txt',
  size: 100,
  version: 1,
  modifiedTime: T,
  ...over,
})
const same: LocalStat = { isFile: true, size: 100, mtimeMs: 1_700_000_000_123.5 }

function plan(opts: {
  files?: ListedFile[]
  entries?: Record<string, SyncEntry> | undefined
  local?: Record<string, LocalStat>
  remote?: string[]
  accept?: (p: string) => boolean
  unlisted?: string[]
  del?: boolean
  created?: string[]
  folders?: string[]
}) {
  const state: SyncState | undefined =
    opts.entries === undefined
      ? undefined
      : { ...emptySyncState('S', 'F'), files: opts.entries, createdFolders: opts.created ?? [] }
  const files = opts.files ?? []
  const input: SyncPlanInput = {
    files,
    state,
    local: new Map(Object.entries(opts.local ?? {})),
    remotePaths: new Set([...files.map((f) => f.relPath), ...(opts.remote ?? [])]),
    remoteFolders: new Set(opts.folders ?? []),
    accept: opts.accept ?? (() => true),
    unlisted: opts.unlisted ?? [],
    delete: opts.del ?? false,
  }
  return planSync(input)
}

describe('planSync: one selected file', () => {
  it.each<[string, Record<string, SyncEntry> | undefined, ListedFile, LocalStat, string, string]>([
    ['no state, nothing here', undefined, listed(), null, 'download', 'new'],
    [
      'no state, a file here: checked by CRC as without a state',
      undefined,
      listed(),
      same,
      'check',
      'not in the sync state',
    ],
    ['in the state, removed locally', { 'a.txt': entry() }, listed(), null, 'download', 'removed locally'],
    ['everything matches', { 'a.txt': entry() }, listed(), same, 'skip', 'up to date'],
    ['new version remotely', { 'a.txt': entry() }, listed({ version: 2 }), same, 'replace', 'changed remotely'],
    ['new size remotely', { 'a.txt': entry() }, listed({ size: 101 }), same, 'replace', 'changed remotely'],
    [
      'new modifiedTime remotely',
      { 'a.txt': entry() },
      listed({ modifiedTime: '2024-06-01T00:00:00.000Z' }),
      same,
      'replace',
      'changed remotely',
    ],
    ['another dentry now at that path', { 'a.txt': entry() }, listed({ id: '2' }), same, 'replace', 'changed remotely'],
    [
      'the listing has no version: no proof, no skip',
      { 'a.txt': entry() },
      listed({ version: undefined }),
      same,
      'replace',
      'changed remotely',
    ],
    [
      'the listing has no modifiedTime: no skip',
      { 'a.txt': entry() },
      listed({ modifiedTime: undefined }),
      same,
      'replace',
      'changed remotely',
    ],
    [
      'the listing has no size: no skip',
      { 'a.txt': entry() },
      listed({ size: undefined }),
      same,
      'replace',
      'changed remotely',
    ],
    [
      'edited locally (mtime)',
      { 'a.txt': entry() },
      listed(),
      { ...same, mtimeMs: same!.mtimeMs + 1 },
      'replace',
      'changed locally',
    ],
    ['truncated locally', { 'a.txt': entry() }, listed(), { ...same, size: 10 }, 'replace', 'changed locally'],
    [
      'a folder stands there now',
      { 'a.txt': entry() },
      listed(),
      { ...same, isFile: false },
      'replace',
      'changed locally',
    ],
    [
      'mtime cut to whole seconds (a tar restore)',
      { 'a.txt': entry() },
      listed(),
      { ...same, mtimeMs: 1_700_000_000_000 },
      'skip',
      'up to date',
    ],
    [
      'mtime one second off',
      { 'a.txt': entry() },
      listed(),
      { ...same, mtimeMs: 1_700_000_001_000 },
      'replace',
      'changed locally',
    ],
    ['state for another path only', { 'b.txt': entry() }, listed(), same, 'check', 'not in the sync state'],
  ])('%s', (_name, entries, file, local, kind, reason) => {
    const p = plan({ files: [file], entries, local: { 'a.txt': local } })
    expect(p.actions[0]).toEqual({ kind, relPath: 'a.txt', dentryId: file.id, size: file.size, reason })
    expect(Object.keys(p.carry)).toEqual(kind === 'skip' ? ['a.txt'] : [])
  })
})

describe('planSync: state entries no longer selected', () => {
  it.each<[string, Parameters<typeof plan>[0], { kind: string; reason: string } | undefined, boolean]>([
    [
      'gone remotely, unchanged, no --delete: kept and remembered',
      { local: { 'a.txt': same } },
      { kind: 'keep', reason: 'gone remotely (--delete removes it)' },
      true,
    ],
    [
      'gone remotely, unchanged, --delete',
      { local: { 'a.txt': same }, del: true },
      { kind: 'delete', reason: 'gone remotely' },
      false,
    ],
    [
      'gone remotely, edited locally, --delete: never deleted, forgotten',
      { local: { 'a.txt': { ...same, size: 5 } }, del: true },
      { kind: 'keep', reason: 'gone remotely, but changed locally since dtdl placed it' },
      false,
    ],
    ['gone on both sides: nothing to do, forgotten', { local: { 'a.txt': null }, del: true }, undefined, false],
    [
      'still remote but filtered out: remembered, no action',
      { local: { 'a.txt': same }, remote: ['a.txt'], del: true },
      undefined,
      true,
    ],
    [
      'gone remotely but the filters exclude it: protected',
      { local: { 'a.txt': same }, accept: () => false, del: true },
      undefined,
      true,
    ],
    [
      'under a folder that could not be listed: protected',
      { local: { 'sub/a.txt': same }, entries: { 'sub/a.txt': entry() }, unlisted: ['sub'], del: true },
      undefined,
      true,
    ],
  ])('%s', (_name, opts, action, carried) => {
    const entries = opts.entries ?? { 'a.txt': entry() }
    const p = plan({ ...opts, entries })
    const path = Object.keys(entries)[0]!
    expect(p.actions.map(({ kind, reason }) => ({ kind, reason }))).toEqual(action ? [action] : [])
    expect(Object.keys(p.carry)).toEqual(carried ? [path] : [])
  })
})

describe("planSync: whose file it is (placed, adopted, an older release's entry)", () => {
  const adopted = entry({ owner: 'adopted' })
  const legacy = entry({ owner: undefined })
  it.each<
    [string, SyncEntry, ListedFile | undefined, LocalStat, boolean, { kind: string; reason: string } | undefined]
  >([
    [
      'placed, changed remotely: replaced',
      entry(),
      listed({ version: 2 }),
      same,
      false,
      { kind: 'replace', reason: 'changed remotely' },
    ],
    [
      "placed, changed locally: replaced (the mirror's own file)",
      entry(),
      listed(),
      { ...same, size: 7 },
      false,
      { kind: 'replace', reason: 'changed locally' },
    ],
    [
      'placed, gone, unchanged, --delete: deleted',
      entry(),
      undefined,
      same,
      true,
      { kind: 'delete', reason: 'gone remotely' },
    ],
    [
      'placed, gone, changed locally, --delete: kept',
      entry(),
      undefined,
      { ...same, mtimeMs: 5 },
      true,
      { kind: 'keep', reason: 'gone remotely, but changed locally since dtdl placed it' },
    ],
    ['adopted, unchanged: skipped', adopted, listed(), same, false, { kind: 'skip', reason: 'up to date' }],
    [
      "adopted, changed remotely: checked, never replaced on the state's word",
      adopted,
      listed({ version: 2 }),
      same,
      false,
      { kind: 'check', reason: 'changed remotely; dtdl did not place the local copy' },
    ],
    [
      'adopted, changed locally: checked',
      adopted,
      listed(),
      { ...same, size: 7 },
      false,
      { kind: 'check', reason: 'changed locally; dtdl did not place it' },
    ],
    [
      'adopted, gone, unchanged, --delete: kept',
      adopted,
      undefined,
      same,
      true,
      { kind: 'keep', reason: 'gone remotely; dtdl did not place the local copy' },
    ],
    [
      "an older release's entry reads as adopted: gone, --delete, kept",
      legacy,
      undefined,
      same,
      true,
      { kind: 'keep', reason: 'gone remotely; dtdl did not place the local copy' },
    ],
    [
      "an older release's entry, changed remotely: checked",
      legacy,
      listed({ size: 101 }),
      same,
      false,
      { kind: 'check', reason: 'changed remotely; dtdl did not place the local copy' },
    ],
  ])('%s', (_name, e, file, local, del, action) => {
    const p = plan({ files: file ? [file] : [], entries: { 'a.txt': e }, local: { 'a.txt': local }, del })
    expect(p.actions.map(({ kind, reason }) => ({ kind, reason }))).toEqual(action ? [action] : [])
  })
})

describe('planSync: folders --delete may remove', () => {
  it.each<[string, string[], string[], boolean, string[]]>([
    ['gone folders dtdl created, deepest first', ['a', 'a/b', 'c'], [], true, ['a/b', 'c', 'a']],
    ['folders still remote stay', ['a', 'a/b'], ['a'], true, ['a/b']],
    ['without --delete none', ['a'], [], false, []],
  ])('%s', (_name, created, folders, del, expected) => {
    expect(plan({ entries: {}, created, folders, del }).removeFolders).toEqual(expected)
  })
})

describe('localMatches', () => {
  it.each<[LocalStat, boolean]>([
    [same, true],
    [null, false],
    [{ ...same!, mtimeMs: 1_700_000_000_000 }, true],
    [{ ...same!, mtimeMs: 1_700_000_000_123 }, false],
  ])('%j → %s', (local, expected) => expect(localMatches(local, entry())).toBe(expected))
})

describe('sync state file', () => {
  it('round-trips, is per source, and a corrupt or foreign file reads as no state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dtdl-sync-'))
    try {
      const path = syncStatePath(dir, 'S', 'F')
      expect(path).toMatch(/\/\.dtdl-sync-[0-9a-f]{16}\.json$/)
      expect(syncStatePath(dir, 'S', 'G')).not.toBe(path)
      const state: SyncState = {
        ...emptySyncState('S', 'F'),
        files: { 'a.txt': entry(), 'bad.txt': { ...entry(), size: -1 } },
        createdFolders: ['sub'],
      }
      await writeSyncState(path, state)
      expect(await readdir(dir)).toEqual([path.slice(dir.length + 1)]) // no temporary twin left
      const back = await readSyncState(path, 'S', 'F')
      expect(back?.files).toEqual({ 'a.txt': entry() }) // the malformed entry is dropped, not trusted
      expect(back?.createdFolders).toEqual(['sub'])
      expect(await readSyncState(path, 'S', 'other')).toBeUndefined()
      await writeFile(path, '{"format":1,"spaceId":"S","folderId":"F","files":{"a.txt":')
      expect(await readSyncState(path, 'S', 'F')).toBeUndefined()
      expect(await readSyncState(join(dir, 'missing.json'), 'S', 'F')).toBeUndefined()
      // A failed write leaves no temporary file behind.
      await expect(writeSyncState(join(dir, 'no-such-dir', 'x.json'), state)).rejects.toMatchObject({ exitCode: 7 })
      expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('openMirrorSync: the local side', () => {
  it('files in a missing or empty folder are seen bare with no stat each; a folder holding anything is stat file by file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dtdl-bare-'))
    try {
      await mkdir(join(dir, 'empty'))
      await mkdir(join(dir, 'used'))
      await writeFile(join(dir, 'used', 'mine.txt'), 'x'.repeat(100))
      await writeFile(join(dir, 'used', 'other.txt'), 'y')
      const files = ['missing/a.txt', 'missing/deeper/b.txt', 'empty/c.txt', 'used/mine.txt', 'used/d.txt'].map(
        (relPath) => listed({ relPath }),
      )
      const sync = await openMirrorSync({
        dir,
        spaceId: 'S',
        folderId: 'F',
        files,
        remotePaths: new Set(files.map((f) => f.relPath)),
        remoteFolders: new Set(),
        accept: () => true,
        unlisted: [],
        delete: false,
      })
      expect([...sync.inBareFolder].sort()).toEqual(['empty/c.txt', 'missing/a.txt', 'missing/deeper/b.txt'])
      expect(sync.plan.actions.map((a) => [a.relPath, a.kind])).toEqual([
        ['missing/a.txt', 'download'],
        ['missing/deeper/b.txt', 'download'],
        ['empty/c.txt', 'download'],
        ['used/mine.txt', 'check'],
        ['used/d.txt', 'download'],
      ])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
