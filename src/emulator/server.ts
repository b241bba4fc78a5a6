// Starts the emulator: one node:http server answering both the DingTalk API and the OSS resource URLs.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handleApi } from './api.js'
import { handleOapi, OAPI_PREFIX } from './oapi.js'
import { Signer, TokenBook } from './auth.js'
import { wait, type EmulatorContext } from './context.js'
import { FaultState } from './faults.js'
import { handleResource, RESOURCE_PREFIX } from './oss.js'
import { readVersion, Store } from './store.js'
import type {
  Emulator,
  EmulatorFileSpec,
  EmulatorFolderSpec,
  EmulatorOptions,
  EmulatorStats,
  EmulatorUserSpec,
  EmulatorWorkspaceSpec,
} from './types.js'

/** The defaults the demo and the docs use (typed as plain strings so callers can mix in their own values). */
export const DEMO: {
  readonly appKey: string
  readonly appSecret: string
  readonly accessToken: string
  readonly unionId: string
  readonly spaceId: string
} = {
  appKey: 'dtdl-demo-app',
  appSecret: 'dtdl-demo-secret',
  accessToken: 'dtdl-demo-token',
  unionId: 'dtdl-demo-user',
  spaceId: 'demo-space',
}

const DEMO_FOLDERS: EmulatorFolderSpec[] = [{ spaceId: DEMO.spaceId, dentryId: '20001', name: 'reports' }]
const DEMO_FILES: EmulatorFileSpec[] = [
  { spaceId: DEMO.spaceId, dentryId: '10001', name: 'demo.bin', size: 4 << 20 },
  { spaceId: DEMO.spaceId, dentryId: '20002', name: 'q1.pdf', parentId: '20001', size: 300 << 10 },
]
const DEMO_WORKSPACES: EmulatorWorkspaceSpec[] = [
  {
    workspaceId: 'demo-workspace',
    name: 'Demo knowledge base',
    type: 'TEAM',
    root: { spaceId: DEMO.spaceId, dentryId: '20001' },
  },
]

/** One member per unionId, so `--user-id` and `--mobile` work against any emulator. */
function defaultUsers(unionIds: string[]): EmulatorUserSpec[] {
  return unionIds.map((unionid, i) => ({
    userid: `${unionid}-userid`,
    unionid,
    name: i === 0 ? 'Demo User' : `User ${i + 1}`,
    ...(i === 0 ? { mobile: '13800000000' } : {}),
  }))
}

/**
 * Starts an emulator; without `files` it serves the demo fixture.
 * @example
 * const emu = await startEmulator({ quiet: true, files: [{ spaceId: 's', dentryId: '1', name: 'a.bin', size: 1024 }] })
 * // ... point the client at emu.url with DEMO.appKey / DEMO.appSecret ...
 * await emu.close()
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const store = new Store()
  for (const folder of [...(options.files ? [] : DEMO_FOLDERS), ...(options.folders ?? [])]) store.addFolder(folder)
  for (const file of options.files ?? DEMO_FILES) store.addFile(file)

  const unionIds = options.unionIds ?? [DEMO.unionId]
  const stats: EmulatorStats = {
    oapiCalls: 0,
    tokenMints: 0,
    apiRequests: [],
    downloadInfoCalls: 0,
    resourceRequests: [],
    bytesServed: 0,
    maxInFlight: {},
    maxObjectResponses: 0,
  }
  const ctx: EmulatorContext = {
    url: '',
    appKey: options.appKey ?? DEMO.appKey,
    appSecret: options.appSecret ?? DEMO.appSecret,
    unionIds: new Set(unionIds),
    store,
    faults: new FaultState(options.faults),
    stats,
    tokens: new TokenBook(options.accessTokens ?? [DEMO.accessToken], options.tokenTtlSeconds ?? 7200),
    signer: new Signer(),
    workspaces: options.workspaces ?? (options.files ? [] : DEMO_WORKSPACES),
    users: options.users ?? defaultUsers(unionIds),
    requestLogLimit: options.requestLogLimit ?? Infinity,
    inFlight: {},
    objectResponses: 0,
    timers: new Set(),
  }

  const server = createServer((req, res) => {
    if (!options.quiet) res.once('close', () => logRequest(req, res))
    routeRequest(ctx, req, res).catch((err: unknown) => {
      // A handler bug must not take the emulator down: answer 500 if still possible, else drop the socket.
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' })
        res.end(`emulator error: ${(err as Error).message}`)
      } else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve())
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  ctx.url = `http://${host}:${address.port}`

  return emulatorControls(ctx, server, address.port)
}

/** The handle a caller drives the running emulator with: stats, faults, fixtures, close. */
function emulatorControls(ctx: EmulatorContext, server: Server, port: number): Emulator {
  const { store, stats } = ctx
  return {
    url: ctx.url,
    port,
    stats,
    resetStats() {
      // In place, so callers holding `emu.stats` see the reset.
      stats.tokenMints = 0
      stats.oapiCalls = 0
      stats.apiRequests.length = 0
      stats.downloadInfoCalls = 0
      stats.resourceRequests.length = 0
      stats.bytesServed = 0
      stats.maxObjectResponses = 0
      for (const api of Object.keys(stats.maxInFlight)) delete stats.maxInFlight[api as keyof typeof stats.maxInFlight]
    },
    setFaults: (faults) => ctx.faults.set(faults),
    addFile: (spec) => store.addFile(spec),
    addFolder: (spec) => store.addFolder(spec),
    uuidOf(spaceId, dentryId) {
      const entry = store.getEntry(spaceId, dentryId)
      if (!entry) throw new Error(`emulator: no entry ${spaceId}/${dentryId}`)
      return entry.uuid
    },
    updateFile: (spaceId, dentryId, content) => store.updateFile(spaceId, dentryId, content),
    removeFile: (spaceId, dentryId) => store.removeFile(spaceId, dentryId),
    revokeTokens: () => ctx.tokens.revoke(),
    async fileContent(spaceId, dentryId) {
      const entry = store.getEntry(spaceId, dentryId)
      const version = entry?.versions.get(entry.current)
      if (!version) throw new Error(`emulator: no file ${spaceId}/${dentryId}`)
      return readVersion(version)
    },
    describe: () => describeEmulator(ctx),
    close() {
      for (const timer of ctx.timers) clearTimeout(timer)
      ctx.timers.clear()
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Stalled (silentAfterBytes) and keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections()
      })
    },
  }
}

async function routeRequest(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const latency = ctx.faults.faults.latencyMs
  if (latency) await wait(ctx, latency)
  const url = new URL(req.url ?? '/', 'http://emulator.invalid')
  if (url.pathname.startsWith(RESOURCE_PREFIX)) {
    // The raw path, not URL-normalised: it is what the signature covers.
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/'
    req.resume()
    return handleResource(ctx, req, res, rawPath)
  }
  // The old-style host (oapi.dingtalk.com) shares the emulator's base URL, as --endpoint makes dtdl expect.
  if (url.pathname.startsWith(OAPI_PREFIX)) return handleOapi(ctx, req, res, url)
  return handleApi(ctx, req, res, url)
}

function logRequest(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0]
  process.stderr.write(`[emulator] ${req.method} ${path} ${res.statusCode}${res.writableFinished ? '' : ' (cut)'}\n`)
}

function describeEmulator(ctx: EmulatorContext): string {
  const lines = [
    `DingTalk emulator at ${ctx.url}  (API and resource URLs)`,
    `  appKey:      ${ctx.appKey}`,
    `  appSecret:   ${ctx.appSecret}`,
    `  accessToken: ${ctx.tokens.displayToken ?? '(mint one with appKey/appSecret)'}`,
    `  unionId:     ${[...ctx.unionIds].join(', ')}`,
    ...ctx.users.map(
      (u) =>
        `  user:        userid=${u.userid} unionId=${u.unionid}${u.mobile ? ` mobile=${u.mobile}` : ''}  ${JSON.stringify(u.name)}`,
    ),
    ...ctx.workspaces.map(
      (w) =>
        `  knowledge base: ${JSON.stringify(w.name)} rootNodeId=${ctx.store.getEntry(w.root.spaceId, w.root.dentryId)?.uuid ?? '?'}`,
    ),
    '  files:',
  ]
  for (const entry of ctx.store.allFiles()) {
    const size = entry.versions.get(entry.current)?.size
    const what = entry.kind === 'FOLDER' ? 'folder' : `${size} bytes`
    lines.push(
      `    spaceId=${entry.spaceId} dentryId=${entry.dentryId}  ${JSON.stringify(ctx.store.pathOf(entry))}  ${what}`,
    )
  }
  return lines.join('\n')
}
