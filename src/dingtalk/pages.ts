// Paging through a listing (folders, versions, knowledge bases): nextToken followed, a server that pages for
// ever stopped. Every listing pages through here.
import { DtdlError, ExitCode } from '../errors.js'

/**
 * Empty pages in a row that still carry a nextToken before the listing is given up: a real listing may
 * send one empty page at its end, never several; a server that does costs an API call per page, for ever.
 */
export const MAX_EMPTY_PAGES = 3

/**
 * Fetches pages until one comes without a nextToken; `onPage` takes each page's items. Stops with LIST_LOOP
 * when a token comes back that was given before, and with LIST_EMPTY_PAGES after MAX_EMPTY_PAGES empty
 * pages in a row that still ask for more (at most MAX_EMPTY_PAGES calls wasted, whatever the pace).
 */
export async function pageThrough<T>(
  what: string,
  fetchPage: (nextToken: string | undefined) => Promise<{ items: T[]; nextToken?: string | undefined }>,
  onPage: (items: T[]) => void,
): Promise<void> {
  const seenTokens = new Set<string>()
  let emptyInARow = 0
  let nextToken: string | undefined
  do {
    const page = await fetchPage(nextToken)
    onPage(page.items)
    nextToken = page.nextToken
    if (nextToken === undefined) return
    // A server that hands back a token it already gave would page for ever.
    if (seenTokens.has(nextToken))
      throw new DtdlError('LIST_LOOP', ExitCode.remote, `${what} failed: the server repeated a page token`, {
        hint: 'run again later',
      })
    seenTokens.add(nextToken)
    emptyInARow = page.items.length === 0 ? emptyInARow + 1 : 0
    if (emptyInARow >= MAX_EMPTY_PAGES) {
      throw new DtdlError(
        'LIST_EMPTY_PAGES',
        ExitCode.remote,
        `${what} failed: the server sent ${emptyInARow} empty pages in a row, each asking for one more`,
        {
          hint: 'the listing does not end: run again later; if it persists, report it with --verbose output',
        },
      )
    }
  } while (nextToken !== undefined)
}
