import type { MooringClient } from '@mooring/sdk';
import { createContext, type ReactElement, type ReactNode, useContext } from 'react';

const ClientContext = createContext<MooringClient | null>(null);

export function ClientProvider({
  client,
  children,
}: {
  client: MooringClient;
  children: ReactNode;
}): ReactElement {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

/** The one MooringClient of the page: every API call of the dashboard goes through it. */
export function useClient(): MooringClient {
  const client = useContext(ClientContext);
  if (!client) throw new TypeError('useClient() outside <ClientProvider>');
  return client;
}
