/**
 * After a route change (or signing in), the next page heading to appear takes focus, so
 * keyboard and screen-reader users start at the top of the new page. Pages that load first
 * render their heading later; the flag waits for it.
 */
let pending = true;

export const requestHeadingFocus = () => {
  pending = true;
};

export function takeHeadingFocus(heading: HTMLElement | null) {
  if (!pending || !heading) return;
  pending = false;
  heading.focus();
}
