import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { takeHeadingFocus } from '../focus.ts';

export function PageHeader({ title, subtitle, actions, crumbs }: { title: ComponentChildren; subtitle?: ComponentChildren; actions?: ComponentChildren; crumbs?: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => takeHeadingFocus(heading.current), []);
  return (
    <div class="page-header">
      <div>
        {crumbs ? <nav aria-label="Breadcrumb" class="crumbs">{crumbs}</nav> : null}
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {subtitle ? <p class="subtitle">{subtitle}</p> : null}
      </div>
      {actions ? <div class="page-actions">{actions}</div> : null}
    </div>
  );
}
