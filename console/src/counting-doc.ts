/** The page's title is docs/counting.md's `#` heading; the rest is its body. */
export function countingDoc(markdown: string): { title: string; body: string } {
  const match = /^# (.+)\n/.exec(markdown);
  return match ? { title: match[1]!.trim(), body: markdown.slice(match[0].length) } : { title: 'How SyncTrail counts', body: markdown };
}
