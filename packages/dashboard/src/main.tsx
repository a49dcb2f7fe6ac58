import { LocalStorageTokenStore, MooringClient } from '@mooring/sdk';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { sessionEvents } from './lib/session-events.ts';
import './styles.css';

// Same origin as the server that serves this page: no CORS, and the CSP allows only 'self'.
const client = new MooringClient({
  apiUrl: window.location.origin,
  tokenStore: new LocalStorageTokenStore('mooring.dashboard.token'),
  onSessionExpired: () => sessionEvents.expired(),
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
