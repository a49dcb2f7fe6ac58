import type { ReactElement, ReactNode } from 'react';
import type { SignedInUser } from '../App.tsx';
import { Link, type Route } from '../lib/router.tsx';

interface NavItem {
  readonly to: string;
  readonly label: string;
  /** What a 390 px screen shows, so that every item fits on one row (the label stays the name). */
  readonly short: string;
  readonly routes: readonly Route['name'][];
}

// Monitoring first, then configuration, then the person. Six short labels fit one row at 390 px.
const NAV: readonly NavItem[] = [
  { to: '/fleets', label: 'Fleets', short: 'Fleets', routes: ['fleets', 'fleet'] },
  { to: '/devices', label: 'Devices', short: 'Devices', routes: ['devices', 'device'] },
  { to: '/keys', label: 'API keys', short: 'Keys', routes: ['keys'] },
  { to: '/webhooks', label: 'Webhooks', short: 'Hooks', routes: ['webhooks'] },
  { to: '/account', label: 'Account', short: 'Account', routes: ['account'] },
  { to: '/admin', label: 'Administration', short: 'Admin', routes: ['admin'] },
];

interface LayoutProps {
  readonly user: SignedInUser;
  readonly route: Route['name'];
  readonly onSignOut: () => void;
  readonly children: ReactNode;
}

export function Layout({ user, route, onSignOut, children }: LayoutProps): ReactElement {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/fleets" className="brand">
          Mooring
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={item.routes.includes(route) ? 'page' : undefined}>
                  <span className="nav-long">{item.label}</span>
                  <span className="nav-short" aria-hidden="true">
                    {item.short}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="user">
          <span className="muted signed-in">
            Signed in as <strong>{user.username}</strong>
          </span>
          <button type="button" className="secondary" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="page">
        {children}
      </main>
    </>
  );
}
