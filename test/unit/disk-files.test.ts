// The disk module as tables: what stands at a name (nothing, a file of ours, a link, a folder), short writes,
// commits that must not clobber, removals that must not go through a link, temporary files a crash left.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { lstat, mkdir, readFile, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  commitFile,
  createOwnFile,
  identityOf,
  isTempOf,
  openOwnFile,
  readOwnFile,
  sweepTemps,
  tempPathFor,
  writeFileAtomic,
  type CommitMode,
} from '../../src/disk/files.js'
import { makeFolders, removePlacedFile } from '../../src/disk/below-root.js'
import { makeTempDir, ROOT, runShell, cleanEnv } from '../helpers.js'

let dir: string
let cleanup: () => Promise<void>
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()))
afterEach(async () => cleanup())

type Standing = 'nothing' | 'our file' | 'link to a file' | 'dangling link' | 'folder'

/** Puts `what` at `name`; a link points to `victim` (or to a missing path), whose content must never change. */
async function stand(what: Standing, name: string): Promise<{ path: string; victim: string }> {
  const path = join(dir, name)
  const victim = join(dir, 'victim')
  await writeFile(victim, 'victim')
  if (what === 'our file') await writeFile(path, 'left by an earlier run')
  if (what === 'link to a file') await symlink(victim, path)
  if (what === 'dangling link') await symlink(join(dir, 'nowhere'), path)
  if (what === 'folder') await mkdir(path)
  return { path, victim }
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? 'no code',
  )

describe('createOwnFile / openOwnFile / readOwnFile: what stands at the name', () => {
  it.each<[Standing, string, string, string]>([
    ['nothing', 'ok', 'FS_ENOENT', 'undefined'],
    ['our file', 'ok', 'ok', 'left by an earlier run'],
    ['link to a file', 'FS_SYMLINK', 'FS_SYMLINK', 'FS_SYMLINK'],
    ['dangling link', 'FS_SYMLINK', 'FS_SYMLINK', 'FS_SYMLINK'],
    ['folder', 'FS_NOT_A_FILE', 'FS_EISDIR', 'FS_EISDIR'],
  ])('%s: create %s, open %s, read %s', async (what, create, open, read) => {
    const { path, victim } = await stand(what, 'x.dtdl-part')
    expect(await codeOf(openOwnFile(path).then((h) => h.close()))).toBe(open)
    expect(
      await readOwnFile(path).then(
        (t) => String(t),
        (e: { code: string }) => e.code,
      ),
    ).toBe(read)
    expect(await codeOf(createOwnFile(path).then((h) => h.close()))).toBe(create)
    if (create === 'ok') expect((await stat(path)).size).toBe(0)
    expect(await readFile(victim, 'utf8')).toBe('victim')
    await expect(lstat(join(dir, 'nowhere'))).rejects.toThrow()
  })
})

describe('writeFileAtomic', () => {
  it.each<[Standing, string]>([
    ['nothing', 'ok'],
    ['our file', 'ok'],
    ['link to a file', 'FS_SYMLINK'],
    ['dangling link', 'FS_SYMLINK'],
    ['folder', 'FS_NOT_A_FILE'],
  ])('over %s: %s, and no temporary file stays', async (what, expected) => {
    const { path, victim } = await stand(what, 'state.json')
    expect(await codeOf(writeFileAtomic(path, '{"new":1}'))).toBe(expected)
    if (expected === 'ok') expect(await readFile(path, 'utf8')).toBe('{"new":1}')
    expect(await readFile(victim, 'utf8')).toBe('victim')
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })

  it('a link at its own fixed temporary name is refused, and left where it is', async () => {
    const { path: tmp, victim } = await stand('link to a file', 'r.json.tmp')
    expect(await codeOf(writeFileAtomic(join(dir, 'r.json'), '{}', { ownTmp: tmp }))).toBe('FS_SYMLINK')
    expect((await lstat(tmp)).isSymbolicLink()).toBe(true)
    expect(await readFile(victim, 'utf8')).toBe('victim')
  })
})

describe('commitFile: the final name', () => {
  const partial = () => join(dir, 't.bin.dtdl-part')
  const target = () => join(dir, 't.bin')
  it.each<[string, Standing, (id: ReturnType<typeof identityOf>) => CommitMode, boolean, string, string]>([
    ['new, nothing there', 'nothing', () => ({ kind: 'new' }), false, 'ok', 'new bytes'],
    ['new, a file appeared', 'our file', () => ({ kind: 'new' }), false, 'TARGET_APPEARED', 'left by an earlier run'],
    ['new, a link appeared', 'link to a file', () => ({ kind: 'new' }), false, 'TARGET_APPEARED', 'victim'],
    [
      'replace, still the file dtdl placed',
      'our file',
      (id) => ({ kind: 'replace', expect: id }),
      false,
      'ok',
      'new bytes',
    ],
    [
      'replace, changed since',
      'our file',
      (id) => ({ kind: 'replace', expect: id }),
      true,
      'TARGET_CHANGED',
      'changed by the user',
    ],
    [
      'replace, a link now',
      'link to a file',
      (id) => ({ kind: 'replace', expect: { ...id, ino: id.ino + 1 } }),
      false,
      'TARGET_CHANGED',
      'victim',
    ],
    ['force over a file', 'our file', () => ({ kind: 'force' }), false, 'ok', 'new bytes'],
    [
      'force over a link: the link is replaced, not written through',
      'link to a file',
      () => ({ kind: 'force' }),
      false,
      'ok',
      'new bytes',
    ],
    ['force over a folder', 'folder', () => ({ kind: 'force' }), false, 'FS_EISDIR', ''],
  ])('%s', async (_, what, mode, edit, expected, content) => {
    const { victim } = await stand(what, 't.bin')
    const id =
      what === 'nothing' || what === 'folder'
        ? { dev: 0, ino: 0, size: 0, mtimeMs: 0 }
        : identityOf(await lstat(target()))
    if (edit) await writeFile(target(), 'changed by the user')
    await writeFile(partial(), 'new bytes')
    expect(await codeOf(commitFile(partial(), target(), mode(id)))).toBe(expected)
    if (what !== 'folder') expect(await readFile(target(), 'utf8')).toBe(content)
    expect(await readFile(victim, 'utf8')).toBe('victim')
    // Committed: the partial name is gone. Refused: the verified bytes stay beside the target for --force.
    expect(await readFile(partial(), 'utf8').catch(() => 'gone')).toBe(expected === 'ok' ? 'gone' : 'new bytes')
  })
})

describe('removePlacedFile and makeFolders: never through a link', () => {
  it.each<[string, (m: string) => Promise<void>, boolean, string]>([
    ['the file as recorded: removed', async () => {}, true, 'removed'],
    ['changed since: left', async (m) => writeFile(join(m, 'sub', 'f.txt'), 'edited'), false, 'changed'],
    ['gone already', async (m) => rm(join(m, 'sub', 'f.txt')), false, 'gone'],
    [
      'its folder replaced by a link: refused',
      async (m) => {
        await rm(join(m, 'sub'), { recursive: true })
        await symlink(join(dir, 'outside'), join(m, 'sub'))
      },
      false,
      'UNSAFE_PATH',
    ],
  ])('%s', async (_, change, matches, expected) => {
    const m = join(dir, 'm')
    await mkdir(join(m, 'sub'), { recursive: true })
    await mkdir(join(dir, 'outside'))
    await writeFile(join(m, 'sub', 'f.txt'), 'placed')
    await writeFile(join(dir, 'outside', 'f.txt'), 'placed')
    const recorded = identityOf(await lstat(join(m, 'sub', 'f.txt')))
    await change(m)
    const outcome = await removePlacedFile(
      m,
      'sub/f.txt',
      (s) => s.size === recorded.size && s.mtimeMs === recorded.mtimeMs && matches,
    ).catch((e: { code: string }) => e.code)
    expect(outcome).toBe(expected)
    expect(await readFile(join(dir, 'outside', 'f.txt'), 'utf8')).toBe('placed')
  })

  it('makes missing levels one by one and says which; refuses a link or a file on the way', async () => {
    const m = join(dir, 'm')
    await mkdir(join(m, 'a'), { recursive: true })
    expect(await makeFolders(m, 'a/b/c')).toEqual(['a/b', 'a/b/c'])
    expect(await makeFolders(m, 'a/b/c')).toEqual([])
    await symlink(dir, join(m, 'l'))
    expect(await codeOf(makeFolders(m, 'l/x'))).toBe('UNSAFE_PATH')
    await expect(lstat(join(dir, 'x'))).rejects.toThrow()
    await writeFile(join(m, 'file'), '')
    expect(await codeOf(makeFolders(m, 'file/x'))).toBe('FS_ENOTDIR')
    expect(await codeOf(makeFolders(m, '../escape'))).toBe('UNSAFE_PATH')
  })
})

describe('temporary files', () => {
  it.each<[string, string, boolean]>([
    ['this release, pid and hex', '.dtdl-sync-0123456789abcdef.json.123-0badc0de.tmp', true],
    ['an older release, hex only', '.dtdl-sync-0123456789abcdef.json.deadbeef.tmp', true],
    ['the fixed name', '.dtdl-sync-0123456789abcdef.json.tmp', true],
    ['another file', '.dtdl-sync-0123456789abcdef.json.notes.txt', false],
    ['another base', 'other.json.123-0badc0de.tmp', false],
  ])('isTempOf: %s', (_, name, expected) => expect(isTempOf(name, '.dtdl-sync-0123456789abcdef.json')).toBe(expected))

  it("sweepTemps removes what a dead writer or an older release left, keeps a live writer's young one and everything else", async () => {
    const base = join(dir, 'state.json')
    const dead = await new Promise<number>((done) => {
      const child = spawn(process.execPath, ['-e', '0'])
      child.on('exit', () => done(child.pid!))
    })
    const names = {
      dead: `${base}.${dead}-0badc0de.tmp`,
      old: `${base}.deadbeef.tmp`,
      live: tempPathFor(base),
      stale: `${base}.${process.pid}-00000001.tmp`,
      other: join(dir, 'keep.tmp'),
    }
    for (const p of Object.values(names)) await writeFile(p, '')
    const long = new Date(Date.now() - 3600_000)
    await utimes(names.stale, long, long)
    expect(await sweepTemps(base)).toBe(3)
    expect((await readdir(dir)).sort()).toEqual([names.live, names.other].map((p) => p.split('/').pop()).sort())
  })
})

describe('writeAll: a short write is continued, never taken as done', () => {
  it('under ulimit -f the kernel writes part of a buffer; the rest is tried and fails, and onWritten saw only what reached the file', async () => {
    const file = join(dir, 'limited.bin')
    const script = `
      import { open } from 'node:fs/promises'
      import { writeAll } from ${JSON.stringify(join(ROOT, 'dist/disk/files.js'))}
      const h = await open(${JSON.stringify(file)}, 'w')
      let seen = 0
      const outcome = await writeAll(h, Buffer.alloc(3000, 7), 0, 3000, 0, (b) => (seen += b.length)).then(() => 'done', (e) => e.code)
      await h.close()
      console.log(JSON.stringify({ outcome, seen }))`
    await writeFile(join(dir, 'short.mjs'), script)
    // ulimit -f counts 1024-byte blocks: at most 1024 bytes reach the file.
    const r = await runShell(`ulimit -f 1; exec ${JSON.stringify(process.execPath)} short.mjs`, {
      env: cleanEnv({}),
      cwd: dir,
    })
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toEqual({ outcome: 'EFBIG', seen: 1024 })
    expect((await stat(file)).size).toBe(1024)
  })
})
