import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../../..');
const docsDir = join(repo, 'docs');
const pages = ['README.md', ...readdirSync(docsDir).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (page: string) => readFileSync(join(repo, page), 'utf8');

/** Markdown outside fenced code blocks (a link inside a code sample is not a link). */
const prose = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Relative links of a page: `[text](target)`, external and mail links left out. */
function linksOf(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('links between the README and docs/', () => {
  it('finds its own anchors the way GitHub makes them', () => {
    expect([...anchorsOf('# The `synctrail` command and the typed client\n## Large batches: uploads\n## A\n## A\n```\n# not a heading\n```')]).toEqual([
      'the-synctrail-command-and-the-typed-client',
      'large-batches-uploads',
      'a',
      'a-1',
    ]);
  });

  it('every relative link names a file that exists, and a heading in it when it has an anchor', () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const link of linksOf(read(page))) {
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path === '' ? join(repo, page) : resolve(dirname(join(repo, page)), decodeURI(path));
        if (!existsSync(target)) broken.push(`${page}: ${link} (no such file)`);
        else if (anchor && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${page}: ${link} (no heading #${anchor} in ${relative(repo, target)})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README links every page of docs/', () => {
    const linked = new Set(linksOf(read('README.md')).map((link) => link.split('#')[0]));
    const unlinked = pages.filter((page) => page !== 'README.md' && !linked.has(page));
    expect(unlinked).toEqual([]);
  });

  it('keeps the README to its front door: at most 300 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(300);
  });
});
