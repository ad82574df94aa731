import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { onUnauthorized, session } from './api.ts';
import { href, syncPageOrigin, useLocation, type Location } from './router.ts';
import { requestHeadingFocus } from './focus.ts';
import { SignIn } from './pages/sign-in.tsx';
import { SyncHistory } from './pages/sync-history.tsx';
import { Destinations } from './pages/destinations.tsx';
import { RunDetailPage } from './pages/run-detail.tsx';
import { SyncDetailPage } from './pages/sync-detail.tsx';
import { SyncLogs } from './pages/sync-logs.tsx';
import { Instances, InstanceDetailPage } from './pages/instances.tsx';
import { DeadLetterQueue } from './pages/dlq.tsx';
import { AuditLog } from './pages/audit.tsx';
import { Webhooks } from './pages/webhooks.tsx';
import { IdentifierPage } from './pages/identifier.tsx';
import { Counting } from './pages/counting.tsx';
import { NotFound } from './pages/not-found.tsx';
import './styles.css';

const NAV = [
  { path: '/history', label: 'Sync History', match: ['history', 'runs'] },
  { path: '/destinations', label: 'Destinations', match: ['destinations', 'syncs'] },
  { path: '/logs', label: 'Sync Logs', match: ['logs'] },
  { path: '/instances', label: 'Instances', match: ['instances'] },
  { path: '/identifiers', label: 'Find a record', match: ['identifiers'] },
  { path: '/dlq', label: 'Dead-letter queue', match: ['dlq'] },
  { path: '/audit', label: 'Audit log', match: ['audit'] },
  { path: '/webhooks', label: 'Webhooks', match: ['webhooks'] },
];

function Page({ location }: { location: Location }) {
  const [first, second] = location.segments;
  switch (first) {
    case undefined:
    case 'history':
      return <SyncHistory location={location} />;
    case 'destinations':
      return <Destinations />;
    case 'runs':
      return second ? <RunDetailPage runId={second} location={location} /> : <SyncHistory location={location} />;
    case 'syncs':
      return second ? <SyncDetailPage syncId={second} location={location} /> : <Destinations />;
    case 'logs':
      return <SyncLogs location={location} />;
    case 'instances':
      return second ? <InstanceDetailPage instance={second} /> : <Instances />;
    case 'identifiers':
      return <IdentifierPage identifier={second} />;
    case 'dlq':
      return <DeadLetterQueue location={location} />;
    case 'audit':
      return <AuditLog location={location} />;
    case 'webhooks':
      return <Webhooks />;
    case 'counting':
      return <Counting />;
    default:
      return <NotFound path={location.path} />;
  }
}

function App() {
  const [key, setKey] = useState(session.key());
  const [expired, setExpired] = useState(false);
  const location = useLocation();
  const main = useRef<HTMLElement>(null);

  useEffect(
    () =>
      onUnauthorized(() => {
        session.signOut();
        setExpired(true);
        setKey(null);
      }),
    [],
  );
  // A new page (or a fresh sign-in): its heading takes focus once it appears. Asked during
  // render, because the page's own effects run before this component's.
  const shown = `${key ? 'in' : 'out'} ${location.path}`;
  const lastShown = useRef(shown);
  if (lastShown.current !== shown) {
    lastShown.current = shown;
    requestHeadingFocus();
  }

  if (!key) {
    return (
      <SignIn
        expired={expired}
        onSignedIn={(k) => {
          session.signIn(k);
          setExpired(false);
          setKey(k);
        }}
      />
    );
  }
  // A sync page belongs to the tab it was reached from (its breadcrumb says the same).
  const current = location.segments[0] === 'syncs' && location.segments[1] ? syncPageOrigin(location) : (location.segments[0] ?? 'history');
  return (
    <div class="shell">
      <a class="skip-link" href="#main" onClick={(event) => (event.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href('/history')}>
          <span class="brand-mark" aria-hidden="true" />
          SyncTrail
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.path}>
                <a href={href(item.path)} aria-current={item.match.includes(current) ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="topbar-note">Times in UTC</span>
        <button
          type="button"
          class="button button-quiet"
          onClick={() => {
            session.signOut();
            setKey(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page location={location} />
      </main>
    </div>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the boot message
render(<App />, root);
