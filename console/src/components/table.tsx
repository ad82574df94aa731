import type { ComponentChildren } from 'preact';

export interface Column {
  label: ComponentChildren;
  /** Right-aligned, tabular figures. */
  num?: boolean;
  /** Read by screen readers only (an actions column). */
  hidden?: boolean;
}

/**
 * Every list in the console: a scrolling frame, a caption for screen readers, column
 * headers with their scope, then the rows and an optional footer ("load more").
 */
export function Table({ id, caption, columns, children, footer, busy, compact }: {
  id?: string;
  caption: string;
  columns: Column[];
  children: ComponentChildren;
  footer?: ComponentChildren;
  busy?: boolean;
  compact?: boolean;
}) {
  return (
    <div class="table-wrap" aria-busy={busy}>
      <table class={compact ? 'table compact' : 'table'} id={id}>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column, i) => (
              <th key={i} scope="col" class={column.num ? 'num' : undefined}>
                {column.hidden ? <span class="visually-hidden">{column.label}</span> : column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
      {footer}
    </div>
  );
}
