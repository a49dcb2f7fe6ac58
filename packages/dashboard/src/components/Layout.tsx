import type { ReactElement, ReactNode } from 'react';
import type { SignedInUser } from '../App.tsx';
import { Link, type Route } from '../lib/router.tsx';

const NAV: readonly { to: string; label: string; routes: readonly Route['name'][] }[] = [
  { to: '/fleets', label: 'Fleets', routes: ['fleets', 'fleet'] },
  { to: '/devices', label: 'Devices', routes: ['devices', 'device'] },
  { to: '/keys', label: 'API keys', routes: ['keys'] },
  { to: '/account', label: 'Account', routes: ['account'] },
  { to: '/admin', label: 'Administration', routes: ['admin'] },
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
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="user">
          <span className="muted">
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
