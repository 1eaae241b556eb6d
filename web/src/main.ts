// The entry module: small and free of the Svelte runtime, it asks for the list's first page at once and only then
// loads the app, so the request and the app's download and parsing overlap.
import { requestFirstPage } from './lib/first-page.ts';
import { parseHash } from './lib/route.ts';

requestFirstPage(parseHash(location.hash).query);
void import('./boot.ts');
