/** The console's only way to the API: same origin, bearer key from session storage. */

import { ApiError } from '../../shared/client/api-error.ts';

const KEY_STORAGE = 'synctrail.key';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  signIn: (key: string) => sessionStorage.setItem(KEY_STORAGE, key),
  signOut: () => sessionStorage.removeItem(KEY_STORAGE),
};

// The same error class as the typed client's: one shape for an API error everywhere.
export { ApiError };

/** Listeners told when the API rejects the key (revoked, or signed out elsewhere). */
const unauthorizedListeners = new Set<() => void>();
export const onUnauthorized = (listener: () => void) => {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
};

export type Query = Record<string, string | number | undefined | null | false>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '' && value !== false) params.set(name, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function send(method: string, path: string, options: { key?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<Response> {
  const key = options.key ?? session.key();
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'SyncTrail did not answer. Check that it is running and your network is up.');
  }
  if (response.ok) return response;
  let body: { error?: { code?: string; message?: string; details?: unknown } } = {};
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  const error = new ApiError(response.status, body.error?.code ?? 'http_error', body.error?.message ?? `the API answered ${response.status}`, body.error?.details ?? null);
  if (response.status === 401 && !options.key) for (const listener of unauthorizedListeners) listener();
  throw error;
}

export async function getJson<T>(path: string, options: { key?: string; signal?: AbortSignal } = {}): Promise<T> {
  return (await send('GET', path, options)).json() as Promise<T>;
}

export async function postJson<T>(path: string, body?: unknown, options: { key?: string } = {}): Promise<T> {
  return (await send('POST', path, { ...options, ...(body === undefined ? {} : { body }) })).json() as Promise<T>;
}

/**
 * Downloads a file the API answers (an export) without putting the key in a URL: fetch with
 * the header, then hand the browser the bytes as a blob.
 */
export async function download(path: string): Promise<string> {
  const response = await send('GET', path);
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? 'synctrail-export';
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}
