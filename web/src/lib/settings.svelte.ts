// Preferences remembered in localStorage: theme, remote content, notifications, preview width, the last message
// tab, and recent searches. Storage can be unavailable (private modes, quotas); the UI then simply forgets.

export type Theme = 'system' | 'light' | 'dark';
export type WidthPreset = 'phone' | 'tablet' | 'desktop' | 'custom';
export type Tab = 'html' | 'text' | 'source' | 'headers' | 'raw' | 'attachments' | 'html-check' | 'spam' | 'links' | 'auth';

const PREFIX = 'mailcove.';
const MAX_RECENT = 8;

function load<T>(key: string, fallback: T, valid: (value: unknown) => value is T): T {
  try {
    const stored = localStorage.getItem(PREFIX + key);
    if (stored === null) return fallback;
    const value: unknown = JSON.parse(stored);
    return valid(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

function save(key: string, value: unknown): void {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Not remembered; everything still works for this session.
  }
}

const oneOf =
  <T extends string>(...options: T[]) =>
  (value: unknown): value is T =>
    options.includes(value as T);
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
const isWidth = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= MIN_WIDTH && (value as number) <= MAX_WIDTH;
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

export const MIN_WIDTH = 240;
export const MAX_WIDTH = 2560;

/** One remembered value: read it like state, assign to change and store it. */
class Setting<T> {
  #value: T;
  constructor(
    private readonly key: string,
    fallback: T,
    valid: (value: unknown) => value is T,
  ) {
    this.#value = $state(load(key, fallback, valid));
  }
  get value(): T {
    return this.#value;
  }
  set value(value: T) {
    this.#value = value;
    save(this.key, value);
  }
}

export const settings = {
  theme: new Setting<Theme>('theme', 'system', oneOf('system', 'light', 'dark')),
  /** Remote images, stylesheets and fonts in the HTML preview. */
  remoteContent: new Setting('remoteContent', true, isBoolean),
  notifications: new Setting('notifications', false, isBoolean),
  widthPreset: new Setting<WidthPreset>('widthPreset', 'desktop', oneOf('phone', 'tablet', 'desktop', 'custom')),
  customWidth: new Setting('customWidth', 600, isWidth),
  tab: new Setting<Tab>('tab', 'html', oneOf('html', 'text', 'source', 'headers', 'raw', 'attachments', 'html-check', 'spam', 'links', 'auth')),
  recentSearches: new Setting('recentSearches', [] as string[], isStrings),
};

export function rememberSearch(query: string): void {
  const trimmed = query.trim();
  if (!trimmed) return;
  settings.recentSearches.value = [trimmed, ...settings.recentSearches.value.filter((q) => q !== trimmed)].slice(0, MAX_RECENT);
}

export function forgetSearch(query: string): void {
  settings.recentSearches.value = settings.recentSearches.value.filter((q) => q !== query);
}
