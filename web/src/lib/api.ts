// The REST client: Mailcove's public /api/v1, nothing else. Errors carry the server's {"Error": "..."} text.
import type { AuthReport, ChaosRule, ChaosTrigger, ChaosTriggers, MessageHeaders, HtmlCheck, InboxCount, LinkCheck, Message, MessagesPage, SpamReport, Target, WebUISettings } from './types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The error's Path: a JSON pointer to the part of the request at fault, when the server names one. */
    readonly path?: string,
  ) {
    super(message);
  }
}

/** What to show for a failed request: the server's own message, or a plain line when it did not answer at all. */
export function errorText(err: unknown, unreachable = 'Mailcove is not answering.'): string {
  return err instanceof ApiError ? err.message : unreachable;
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, {
    method,
    signal,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  if (!response.ok) {
    const { Error: error, Path: at } = isJson ? ((await response.json()) as { Error?: string; Path?: string }) : { Error: await response.text(), Path: undefined };
    throw new ApiError(response.status, error || `${method} ${path}: HTTP ${response.status}`, at);
  }
  return (isJson ? await response.json() : await response.text()) as T;
}

/** Escapes one path or query component. */
const enc = encodeURIComponent;

/**
 * A stored message's bytes and headers never change, so the last few answers are kept: going back to the Raw or
 * Headers tab (each tab mounts afresh) does not download them again. Failures are not kept.
 */
function remembered<T>(keep: number, load: (ID: string) => Promise<T>): (ID: string) => Promise<T> {
  const kept = new Map<string, Promise<T>>();
  return (ID) => {
    let answer = kept.get(ID);
    if (answer) kept.delete(ID);
    else {
      const loading = load(ID);
      loading.catch(() => {
        if (kept.get(ID) === loading) kept.delete(ID);
      });
      answer = loading;
    }
    kept.set(ID, answer);
    while (kept.size > keep) kept.delete(kept.keys().next().value!);
    return answer;
  };
}

export const api = {
  /** A page of the list, newest first: every message, or those matching a search. */
  list(query: string, start: number, limit: number, signal?: AbortSignal): Promise<MessagesPage> {
    const paging = `start=${start}&limit=${limit}`;
    const path = query.trim() ? `/api/v1/search?query=${enc(query)}&${paging}` : `/api/v1/messages?${paging}`;
    return request('GET', path, undefined, signal);
  },
  /** The parsed message; the server marks it read. */
  message: (ID: string) => request<Message>('GET', `/api/v1/message/${enc(ID)}`),
  headers: remembered(8, (ID) => request<MessageHeaders>('GET', `/api/v1/message/${enc(ID)}/headers`)),
  raw: remembered(2, (ID) => request<string>('GET', `/api/v1/message/${enc(ID)}/raw`)),
  inboxes: () => request<{ inboxes: InboxCount[] }>('GET', '/api/v1/inboxes').then((r) => r.inboxes),
  webui: () => request<WebUISettings>('GET', '/api/v1/webui'),
  /** Sends the message on through the server's SMTP relay; a refused recipient is an ApiError with the reason. */
  release: (ID: string, To: string[]) => request<string>('POST', `/api/v1/message/${enc(ID)}/release`, { To }),

  // SMTP fault injection; the server refuses these (400) unless chaos is enabled. A bad value is an ApiError.
  chaos: () => request<ChaosTriggers>('GET', '/api/v1/chaos'),
  /** Omitted triggers go back to their defaults with probability 0: `{}` resets all. */
  setChaos: (triggers: Partial<Record<keyof ChaosTriggers, ChaosTrigger>>) => request<ChaosTriggers>('PUT', '/api/v1/chaos', triggers),
  chaosRules: () => request<ChaosRule[]>('GET', '/api/v1/chaos/rules'),
  /** Replaces every rule (their `times` counts start again); answers the rules as stored. */
  setChaosRules: (rules: ChaosRule[]) => request<ChaosRule[]>('PUT', '/api/v1/chaos/rules', rules),

  // The quality checks. The server computes each once per message and caches it; `refresh` computes it again.
  htmlCheck: (ID: string, refresh = false) => request<HtmlCheck>('GET', `/api/v1/message/${enc(ID)}/html-check${refresh ? '?refresh=1' : ''}`),
  spamCheck: (ID: string, refresh = false) => request<SpamReport>('GET', `/api/v1/message/${enc(ID)}/sa-check${refresh ? '?refresh=1' : ''}`),
  linkCheck: (ID: string, follow: boolean, refresh = false) =>
    request<LinkCheck>('GET', `/api/v1/message/${enc(ID)}/link-check?follow=${follow}${refresh ? '&refresh=1' : ''}`),
  authCheck: (ID: string, refresh = false) => request<AuthReport>('GET', `/api/v1/message/${enc(ID)}/auth-check${refresh ? '?refresh=1' : ''}`),

  setRead(target: Target, read: boolean): Promise<string> {
    const body = 'ids' in target ? { IDs: target.ids, Read: read } : target.query.trim() ? { Search: target.query, Read: read } : { Read: read };
    return request('PUT', '/api/v1/messages', body);
  },
  delete(target: Target): Promise<string> {
    if ('ids' in target) return request('DELETE', '/api/v1/messages', { IDs: target.ids });
    if (target.query.trim()) return request('DELETE', `/api/v1/search?query=${enc(target.query)}`);
    return request('DELETE', '/api/v1/messages');
  },
};

/** Links the browser follows itself (downloads, new tabs, the preview frame, images). */
export const links = {
  download: (ID: string) => `/api/v1/message/${enc(ID)}/raw?dl=1`,
  html: (ID: string, remote: boolean, embed = false) => `/view/${enc(ID)}.html?remote=${remote ? 1 : 0}${embed ? '&embed=1' : ''}`,
  text: (ID: string) => `/view/${enc(ID)}.txt`,
  part: (ID: string, partId: string) => `/api/v1/message/${enc(ID)}/part/${enc(partId)}`,
  thumb: (ID: string, partId: string) => `/api/v1/message/${enc(ID)}/part/${enc(partId)}/thumb`,
};
