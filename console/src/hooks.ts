import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from './api.ts';

export interface Resource<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (null: nothing yet), again whenever it changes; the older answer is dropped. */
export function useResource<T>(path: string | null): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: path !== null });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true, error: undefined }));
    getJson<T>(path, { signal: controller.signal }).then(
      (data) => setState({ data, loading: false }),
      (error: Error) => {
        if (error.name !== 'AbortError') setState({ error, loading: false });
      },
    );
    return () => controller.abort();
  }, [path, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Paged<T> extends Resource<Page<T>> {
  items: T[];
  loadMore: (() => void) | undefined;
  loadingMore: boolean;
}

/** A list with "load more": the first page from `path`, later pages by its cursor. */
export function usePaged<T>(path: string | null): Paged<T> {
  const first = useResource<Page<T>>(path);
  const [more, setMore] = useState<{ items: T[]; cursor: string | null; loading: boolean; error?: Error }>({ items: [], cursor: null, loading: false });
  const pathRef = useRef(path);
  useEffect(() => {
    pathRef.current = path;
    setMore({ items: [], cursor: null, loading: false });
  }, [path, first.data]);
  const cursor = more.cursor ?? first.data?.nextCursor ?? null;
  const loadMore = useCallback(() => {
    if (!path || !cursor) return;
    const requested = path;
    setMore((m) => ({ ...m, loading: true }));
    getJson<Page<T>>(`${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`).then(
      (page) => {
        if (pathRef.current !== requested) return;
        setMore((m) => ({ items: [...m.items, ...page.items], cursor: page.nextCursor ?? '', loading: false }));
      },
      (error: Error) => setMore((m) => ({ ...m, loading: false, error })),
    );
  }, [path, cursor]);
  return {
    ...first,
    error: first.error ?? more.error,
    items: [...(first.data?.items ?? []), ...more.items],
    loadMore: cursor ? loadMore : undefined,
    loadingMore: more.loading,
  };
}

/** Runs `effect` after `ms` without further changes: typing in a search box asks once. */
export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
