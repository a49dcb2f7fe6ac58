import { type AnchorHTMLAttributes, type MouseEvent, type ReactElement, useSyncExternalStore } from 'react';

// A history-API router small enough to read in one go: the dashboard has a handful of routes and
// needs no nested layouts or loaders, so a dependency would cost more bundle than it saves.

const CHANGE = 'mooring:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(CHANGE, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(CHANGE, onChange);
  };
}

const snapshot = (): string => window.location.pathname + window.location.search;

/** The current path and query, re-rendering on navigation. */
export function useLocation(): string {
  return useSyncExternalStore(subscribe, snapshot);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(CHANGE));
}

export type Route =
  | { name: 'fleets' }
  | { name: 'fleet'; id: string }
  | { name: 'device'; uuid: string }
  | { name: 'devices' }
  | { name: 'keys' }
  | { name: 'webhooks' }
  | { name: 'account' }
  | { name: 'admin' }
  | { name: 'not-found' };

export function matchRoute(location: string): Route {
  const path = (location.split('?')[0] ?? '/').replace(/\/+$/, '') || '/';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (parts.length === 0 || (first === 'fleets' && parts.length === 1)) return { name: 'fleets' };
  if (first === 'fleets' && second && parts.length === 2) return { name: 'fleet', id: second };
  if (first === 'devices' && second && parts.length === 2) return { name: 'device', uuid: second };
  if (first === 'devices' && parts.length === 1) return { name: 'devices' };
  if (
    parts.length === 1 &&
    (first === 'keys' || first === 'webhooks' || first === 'account' || first === 'admin')
  ) {
    return { name: first };
  }
  return { name: 'not-found' };
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An ordinary link (open in new tab, copy address all work) that navigates in place on a plain click. */
export function Link({ to, onClick, ...rest }: LinkProps): ReactElement {
  const handle = (event: MouseEvent<HTMLAnchorElement>): void => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
