import type { CloudifyRest } from "./rest";
import type { QueryValue } from "./transport";
import type { ListPage } from "./types";

const PAGE_SIZE = 1000;

/** Every item of a list endpoint, page by page (`_size`/`_offset`), in the server's order. */
export async function listAll<T>(
  rest: CloudifyRest,
  path: string,
  query: Readonly<Record<string, QueryValue>> = {},
  tenant?: string,
): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const page = await rest.call<ListPage<T>>({
      method: "GET",
      path,
      query: { ...query, _size: PAGE_SIZE, _offset: items.length },
      expect: [200],
      tenant,
    });
    items.push(...page.items);
    if (page.items.length === 0 || items.length >= page.metadata.pagination.total) return items;
  }
}
