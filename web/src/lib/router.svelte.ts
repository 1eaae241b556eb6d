// The address bar as state: a message can be opened in a new tab or bookmarked, and the browser's Back leaves a
// message on a phone.
import { href, parseHash, type Route } from './route.ts';

export { href };

class Router {
  id = $state<string | null>(null);
  query = $state('');

  constructor() {
    this.#read();
    // Back/Forward between entries that differ only in the hash fire hashchange, pushState fires neither.
    addEventListener('hashchange', () => this.#read());
    addEventListener('popstate', () => this.#read());
  }

  #read(): void {
    const { id, query } = parseHash(location.hash);
    this.id = id;
    this.query = query;
  }

  /** `push` adds a history entry (opening a message on a phone, so Back returns to the list). */
  go(next: Partial<Route>, push = false): void {
    const target = href({ id: this.id, query: this.query, ...next });
    if (target === location.hash || (target === '#/' && !location.hash)) return;
    if (push) history.pushState(null, '', target);
    else history.replaceState(null, '', target);
    this.#read();
  }
}

export const router = new Router();
