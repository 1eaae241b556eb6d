// Applies the theme setting to <html data-theme>, following the system's preference when set to "system".
import type { Theme } from './settings.svelte.ts';

const dark = matchMedia('(prefers-color-scheme: dark)');

export function applyTheme(theme: Theme): () => void {
  const apply = (): void => {
    document.documentElement.dataset.theme = theme === 'system' ? (dark.matches ? 'dark' : 'light') : theme;
  };
  apply();
  dark.addEventListener('change', apply);
  return () => dark.removeEventListener('change', apply);
}
