// The SDK reports an expired or revoked session from whichever call noticed it; the app shell
// listens here and goes back to the sign-in page with a message.

type Listener = () => void;
const listeners = new Set<Listener>();

export const sessionEvents = {
  expired(): void {
    for (const listener of listeners) listener();
  },
  onExpired(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
