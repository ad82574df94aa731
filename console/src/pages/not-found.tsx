import { PageHeader } from '../components/page-header.tsx';
import { href } from '../router.ts';

/** An address the console has no page for: say so and offer the way back, never show another page in its place. */
export function NotFound({ path }: { path: string }) {
  return (
    <>
      <PageHeader title="Page not found" />
      <div class="state state-empty not-found" id="not-found">
        <p>
          The console has no page at <code>{path}</code>. The link may be mistyped or from a newer version of SyncTrail.
        </p>
        <p>
          <a href={href('/history')}>Go to Sync History</a>
        </p>
      </div>
    </>
  );
}
