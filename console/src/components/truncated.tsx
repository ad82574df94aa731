import { useState } from 'preact/hooks';

/**
 * A long message in a table cell: cut to one line, the whole text on hover (title) and on
 * keyboard focus, and a button that expands it in place for screen readers and touch.
 */
export function Truncated({ text, max = 80 }: { text: string | null | undefined; max?: number }) {
  const [open, setOpen] = useState(false);
  if (!text) return <span class="muted">—</span>;
  if (text.length <= max) return <span>{text}</span>;
  return (
    <span class={`truncated${open ? ' open' : ''}`}>
      <span class="truncated-text" title={text} tabIndex={0}>
        {open ? text : `${text.slice(0, max).trimEnd()}…`}
      </span>
      <button type="button" class="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'less' : 'more'}
        <span class="visually-hidden"> of this message</span>
      </button>
    </span>
  );
}
