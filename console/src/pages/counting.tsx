import { Markdown } from '../components/markdown.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { countingDoc } from '../counting-doc.ts';

/** docs/counting.md, put in at build time (console/build.ts): the console's own copy of how it counts. */
declare const __COUNTING_DOC__: string;

/** `#/counting`: how every number on every page is counted, one table per page. */
export function Counting() {
  const { title, body } = countingDoc(__COUNTING_DOC__);
  return (
    <>
      <PageHeader title={title} subtitle="What each status means and where every number on these pages comes from." />
      <article class="doc" id="counting-doc">
        <Markdown text={body} />
      </article>
    </>
  );
}

/** The link every page with counters carries to the page above. */
export function CountingLink({ label = 'How these numbers are counted' }: { label?: string }) {
  return (
    <a class="counting-link" href="#/counting">
      {label}
    </a>
  );
}
