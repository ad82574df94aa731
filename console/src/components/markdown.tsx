import type { ComponentChildren } from 'preact';

/**
 * Just enough Markdown for docs/errors.md's sections: paragraphs, **bold**, `code` and
 * [links](…). Built as elements, never as HTML, so nothing in the text can inject markup.
 */
export function inline(text: string): ComponentChildren[] {
  const parts: ComponentChildren[] = [];
  const pattern = /\*\*([^*]+)\*\*|`([^`]+)`|\[([^\]]+)\]\(([^)]+)\)/g;
  let last = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    if (match[1] !== undefined) parts.push(<strong>{match[1]}</strong>);
    else if (match[2] !== undefined) parts.push(<code>{match[2]}</code>);
    else parts.push(/^https:\/\//.test(match[4]!) ? <a href={match[4]} rel="noreferrer noopener" target="_blank">{match[3]}</a> : match[3]);
    last = pattern.lastIndex;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

export function Markdown({ text }: { text: string }) {
  const blocks = text.split(/\n\s*\n/).map((block) => block.trim()).filter(Boolean);
  return (
    <div class="markdown">
      {blocks.map((block, i) =>
        /^- /.test(block) ? (
          <ul key={i}>
            {block.split(/\n(?=- )/).map((item, j) => (
              <li key={j}>{inline(item.replace(/^- /, '').replace(/\n\s*/g, ' '))}</li>
            ))}
          </ul>
        ) : (
          <p key={i}>{inline(block.replace(/\n\s*/g, ' '))}</p>
        ),
      )}
    </div>
  );
}
