import type { ComponentChildren } from 'preact';

export function PageHeader({ title, subtitle, actions, crumbs }: { title: ComponentChildren; subtitle?: ComponentChildren; actions?: ComponentChildren; crumbs?: ComponentChildren }) {
  return (
    <div class="page-header">
      <div>
        {crumbs ? <nav aria-label="Breadcrumb" class="crumbs">{crumbs}</nav> : null}
        <h1>{title}</h1>
        {subtitle ? <p class="subtitle">{subtitle}</p> : null}
      </div>
      {actions ? <div class="page-actions">{actions}</div> : null}
    </div>
  );
}
