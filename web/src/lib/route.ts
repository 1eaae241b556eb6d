// What the address bar says is on screen: `#/` (the list) or `#/m/ID`, plus `?q=` for the search. Plain functions,
// so the entry module can read the search before the Svelte runtime has loaded.

export interface Route {
  id: string | null;
  query: string;
}

export function parseHash(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const id = /^\/m\/([A-Za-z0-9]+)$/.exec(path)?.[1] ?? null;
  return { id, query: new URLSearchParams(search).get('q') ?? '' };
}

export function href({ id, query }: Route): string {
  const q = query ? `?q=${encodeURIComponent(query)}` : '';
  return `#/${id ? `m/${id}` : ''}${q}`;
}
