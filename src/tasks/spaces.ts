// `dtdl spaces`: the knowledge bases (wiki workspaces) the operator can see, with the root node to list or fetch.
import { pageThrough } from '../dingtalk/pages.js'
import { connectApi, type ApiFlags, type ApiContext } from '../dingtalk/connect.js'
import type { Workspace } from '../dingtalk/client.js'

export interface SpaceEntry {
  name: string | null
  type: string | null
  workspaceId: string | null
  /** A dentryUuid: `dtdl ls <rootNodeId>`, `dtdl get <rootNodeId> -r`. */
  rootNodeId: string | null
  url: string | null
}

const toEntry = (w: Workspace): SpaceEntry => ({
  name: w.name ?? null,
  type: w.type ?? null,
  workspaceId: w.workspaceId ?? null,
  rootNodeId: w.rootNodeId ?? null,
  url: w.url ?? (w.rootNodeId ? nodeLink(w.rootNodeId) : null),
})

/** Pure: the link people would copy for a node. */
export const nodeLink = (dentryUuid: string): string =>
  `https://alidocs.dingtalk.com/i/nodes/${encodeURIComponent(dentryUuid)}`

export async function runSpaces(options: ApiFlags, ctx: ApiContext): Promise<SpaceEntry[]> {
  ctx.reporter.phase('resolving credentials')
  const connected = await connectApi(ctx, options)
  try {
    const unionId = await connected.unionId()
    ctx.reporter.phase('listing knowledge bases')
    const found: Workspace[] = []
    await pageThrough(
      'listing knowledge bases',
      async (nextToken) => {
        const page = await connected.api.listWorkspaces(unionId, nextToken)
        return { items: page.workspaces, nextToken: page.nextToken }
      },
      (workspaces) => found.push(...workspaces),
    )
    // The user's own knowledge base may not be among the team ones: one more call, listed first.
    const mine = await connected.api.getMineWorkspace(unionId).catch(() => undefined)
    return mergeSpaces(mine, found).map(toEntry)
  } finally {
    await connected.dispatcher.destroy().catch(() => {})
  }
}

/** Pure: the user's own first, then the rest, each workspace once. */
export function mergeSpaces(mine: Workspace | undefined, listed: readonly Workspace[]): Workspace[] {
  const seen = new Set<string>()
  const out: Workspace[] = []
  for (const w of [...(mine ? [mine] : []), ...listed]) {
    const key = w.workspaceId ?? w.rootNodeId
    if (key !== undefined && seen.has(key)) continue
    if (key !== undefined) seen.add(key)
    out.push(w)
  }
  return out
}
