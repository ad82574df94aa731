import type { ComponentChildren } from 'preact';

/**
 * Just enough Markdown for docs/errors.md's sections and docs/counting.md: headings,
 * paragraphs, lists, tables, **bold**, `code` and [links](…). Built as elements, never as HTML, so nothing in the text can inject markup.
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

/** A table's cells: `| a | b |` → ['a', 'b'] (a backslash-escaped bar stays in its cell). */
const cells = (line: string) =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));

function Table({ block }: { block: string }) {
  const [head = '', , ...rows] = block.split('\n');
  return (
    <div class="table-wrap">
      <table class="table markdown-table">
        <thead>
          <tr>
            {cells(head).map((cell, i) => (
              <th key={i} scope="col">
                {inline(cell)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {cells(row).map((cell, j) => (
                <td key={j}>{inline(cell)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One block of Markdown: a heading (`#`, `##`, `###`; the page's own `#` reads as h1), a table, a list, or a paragraph. */
function Block({ block }: { block: string }) {
  const heading = /^(#{1,3}) (.+)$/.exec(block);
  if (heading) {
    const text = inline(heading[2]!);
    return heading[1] === '#' ? <h1>{text}</h1> : heading[1] === '##' ? <h2>{text}</h2> : <h3>{text}</h3>;
  }
  if (/^\|/.test(block)) return <Table block={block} />;
  if (/^- /.test(block))
    return (
      <ul>
        {block.split(/\n(?=- )/).map((item, j) => (
          <li key={j}>{inline(item.replace(/^- /, '').replace(/\n\s*/g, ' '))}</li>
        ))}
      </ul>
    );
  return <p>{inline(block.replace(/\n\s*/g, ' '))}</p>;
}

export function Markdown({ text }: { text: string }) {
  // A heading ends its block even with no blank line after it.
  const blocks = text
    .replace(/^(#{1,3} .+)$/gm, '\n$1\n')
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter(Boolean);
  return (
    <div class="markdown">
      {blocks.map((block, i) => (
        <Block key={i} block={block} />
      ))}
    </div>
  );
}
