import type { MooringClient } from '@mooring/sdk';
import { type ReactElement, useCallback, useEffect, useState } from 'react';
import { Layout } from './components/Layout.tsx';
import { ClientProvider } from './lib/client.tsx';
import { describeError } from './lib/errors.ts';
import { matchRoute, useLocation } from './lib/router.tsx';
import { sessionEvents } from './lib/session-events.ts';
import { AccountPage } from './pages/AccountPage.tsx';
import { AdminPage } from './pages/AdminPage.tsx';
import { DevicePage } from './pages/DevicePage.tsx';
import { DevicesPage } from './pages/DevicesPage.tsx';
import { FleetPage } from './pages/FleetPage.tsx';
import { FleetsPage } from './pages/FleetsPage.tsx';
import { KeysPage } from './pages/KeysPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { WebhooksPage } from './pages/WebhooksPage.tsx';

export interface SignedInUser {
  readonly username: string;
  readonly userId: number;
}

type AuthState =
  | { readonly status: 'checking' }
  | { readonly status: 'signed-out'; readonly message?: string }
  | { readonly status: 'signed-in'; readonly user: SignedInUser };

export function App({ client }: { client: MooringClient }): ReactElement {
  const [auth, setAuth] = useState<AuthState>({ status: 'checking' });
  const location = useLocation();

  const loadUser = useCallback(async (): Promise<void> => {
    const actor = await client.auth.whoami();
    if (actor.actorType !== 'user') {
      await client.auth.logout();
      setAuth({
        status: 'signed-out',
        message: 'The dashboard needs a user account, not a device or fleet key.',
      });
      return;
    }
    setAuth({ status: 'signed-in', user: { username: actor.username, userId: actor.actorTypeId } });
  }, [client]);

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        if (await client.auth.isLoggedIn()) await loadUser();
        // A stored session the server refused has already said so (sessionEvents): keep that message.
        else if (!cancelled)
          setAuth((prev) => (prev.status === 'signed-out' ? prev : { status: 'signed-out' }));
      } catch (error) {
        if (!cancelled) setAuth({ status: 'signed-out', message: describeError(error).detail });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [client, loadUser]);

  useEffect(
    () =>
      sessionEvents.onExpired(() =>
        setAuth({
          status: 'signed-out',
          message: 'Your session has expired or was revoked. Please sign in again.',
        }),
      ),
    [],
  );

  const signOut = useCallback(
    async (everywhere: boolean): Promise<void> => {
      // Leave the signed-in pages first, so that no poll runs with a session being revoked.
      setAuth({ status: 'checking' });
      try {
        if (everywhere) await client.sessions.revokeOthers();
      } finally {
        await client.auth.logout();
        setAuth({
          status: 'signed-out',
          message: everywhere ? 'You are signed out on every device.' : 'You are signed out.',
        });
      }
    },
    [client],
  );

  let content: ReactElement;
  if (auth.status === 'checking') {
    content = (
      <main className="center" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  } else if (auth.status === 'signed-out') {
    content = <SignInPage message={auth.message} onSignedIn={loadUser} />;
  } else {
    const route = matchRoute(location);
    let page: ReactElement;
    switch (route.name) {
      case 'fleets':
        page = <FleetsPage />;
        break;
      case 'fleet':
        page = <FleetPage key={route.id} id={route.id} user={auth.user} />;
        break;
      case 'devices':
        page = <DevicesPage />;
        break;
      case 'device':
        page = <DevicePage key={route.uuid} uuid={route.uuid} />;
        break;
      case 'keys':
        page = <KeysPage />;
        break;
      case 'webhooks':
        page = <WebhooksPage user={auth.user} />;
        break;
      case 'account':
        page = <AccountPage onSignOut={signOut} />;
        break;
      case 'admin':
        page = <AdminPage user={auth.user} />;
        break;
      default:
        page = <NotFoundPage />;
    }
    content = (
      <Layout user={auth.user} route={route.name} onSignOut={() => void signOut(false)}>
        {page}
      </Layout>
    );
  }
  return <ClientProvider client={client}>{content}</ClientProvider>;
}
