import type { ComponentChildren } from 'preact';
import { ApiError } from '../api.ts';

/** Progress while loading: announced politely, with a skeleton so the page does not jump. */
export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      <span>{label}…</span>
    </div>
  );
}

export function ErrorState({ error, retry }: { error: Error; retry?: () => void }) {
  const status = error instanceof ApiError ? error.status : 0;
  const title =
    status === 410 ? 'Past the retention window' : status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status === 0 ? 'SyncTrail is not answering' : 'Something went wrong';
  return (
    <div class="state state-error" role="alert">
      <strong>{title}</strong>
      <p>{error.message}</p>
      {retry && status !== 404 && status !== 410 ? (
        <button type="button" class="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty">
      <strong>{title}</strong>
      {children ? <p>{children}</p> : null}
    </div>
  );
}

/** "Load more" under a list, or nothing when the list is complete. */
export function LoadMore({ loadMore, loading, shown }: { loadMore: (() => void) | undefined; loading: boolean; shown: number }) {
  return (
    <div class="list-footer">
      <span class="muted">{shown} shown</span>
      {loadMore ? (
        <button type="button" class="button" onClick={loadMore} disabled={loading} aria-busy={loading}>
          {loading ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </div>
  );
}
