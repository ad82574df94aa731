import { useEffect, useState } from 'preact/hooks';
import { withQuery } from './api.ts';

/**
 * Hash routes (`#/runs/abc?status=rejected`): they work from a plain S3/CloudFront origin
 * with no rewrite rules, and filters live in the address so a view can be shared (never the key).
 */
export interface Location {
  path: string;
  segments: string[];
  query: URLSearchParams;
}

export function currentLocation(): Location {
  const hash = window.location.hash.replace(/^#/, '') || '/history';
  const [path = '/history', search = ''] = hash.split('?');
  return { path, segments: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

export function useLocation(): Location {
  const [location, setLocation] = useState(currentLocation);
  useEffect(() => {
    const update = () => setLocation(currentLocation());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return location;
}

export const href = (path: string, query: Record<string, string | number | undefined | null> = {}): string => `#${withQuery(path, query)}`;

export const navigate = (path: string, query: Record<string, string | number | undefined | null> = {}) => {
  window.location.hash = href(path, query).slice(1);
};

/** The current route with some query values changed (filters): keeps the rest. */
export function setQuery(location: Location, changes: Record<string, string | undefined>) {
  const next: Record<string, string> = Object.fromEntries(location.query);
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined || value === '') delete next[name];
    else next[name] = value;
  }
  navigate(location.path, next);
}

export const seg = (segment: string) => encodeURIComponent(segment);

/**
 * The pages a sync page is reached from: its breadcrumb (and the highlighted tab) go back to
 * the page the user came from, named in the link (`#/syncs/abc?from=history`).
 */
export const SYNC_PAGE_ORIGINS = {
  history: ['/history', 'Sync History'],
  destinations: ['/destinations', 'Destinations'],
  logs: ['/logs', 'Sync Logs'],
  instances: ['/instances', 'Instances'],
  identifiers: ['/identifiers', 'Find a record'],
  dlq: ['/dlq', 'Dead-letter queue'],
  audit: ['/audit', 'Audit log'],
} as const;
export type SyncPageOrigin = keyof typeof SYNC_PAGE_ORIGINS;

/** Where a sync page was reached from; Destinations (the syncs' own list) when the link does not say. */
export const syncPageOrigin = (location: Location): SyncPageOrigin => {
  const from = location.query.get('from') ?? '';
  return Object.hasOwn(SYNC_PAGE_ORIGINS, from) ? (from as SyncPageOrigin) : 'destinations';
};

/** A link to a sync's page that remembers the page it is on. */
export const syncHref = (syncId: string, from: SyncPageOrigin) => href(`/syncs/${seg(syncId)}`, from === 'destinations' ? {} : { from });
