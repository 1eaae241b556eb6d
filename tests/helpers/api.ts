// A small fetch wrapper for the REST API, and SMTP sending with nodemailer, for API tests.
import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import { allIndexed } from './app.ts';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export function api(base: string, auth?: { user: string; password: string }) {
  const request = async <T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> => {
    const h: Record<string, string> = { ...headers };
    if (auth) h.authorization = 'Basic ' + Buffer.from(`${auth.user}:${auth.password}`).toString('base64');
    if (body !== undefined) h['content-type'] ??= 'application/json';
    const res = await fetch(base + path, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    let parsed: any = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };
  return {
    get: <T = any>(path: string, headers?: Record<string, string>) => request<T>('GET', path, undefined, headers),
    put: <T = any>(path: string, body?: unknown) => request<T>('PUT', path, body),
    post: <T = any>(path: string, body?: unknown) => request<T>('POST', path, body),
    delete: <T = any>(path: string, body?: unknown) => request<T>('DELETE', path, body),
    raw: async (path: string) => {
      const h: Record<string, string> = {};
      if (auth) h.authorization = 'Basic ' + Buffer.from(`${auth.user}:${auth.password}`).toString('base64');
      const res = await fetch(base + path, { headers: h });
      return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
    },
  };
}

export function mailer(port: number, auth?: { user: string; pass: string }) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, tls: { rejectUnauthorized: false }, ...(auth && { auth }) });
  return async (options: SendMailOptions) => {
    const info = await transport.sendMail({ from: 'app@example.com', to: 'user@example.com', ...options });
    await allIndexed();
    return info;
  };
}

/** The ID smtp-server's 250 reply reports. */
export function queuedId(response: string): string {
  const id = /queued as (\w+)/.exec(response)?.[1];
  if (!id) throw new Error(`no ID in "${response}"`);
  return id;
}
