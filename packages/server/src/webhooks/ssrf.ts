import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/*
 * Server-side request forgery (docs/events.md "Webhooks", docs/threat-model.md): a webhook URL is
 * chosen by an organization administrator, and Mooring calls it from inside the operator's network.
 * Unless MOORING_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true, a delivery may only reach public unicast
 * addresses. The URL's host is checked when the endpoint is saved (a literal address or `localhost`
 * is refused with a 400), but that alone proves nothing: a public name can resolve to 127.0.0.1
 * today, or later (DNS rebinding). So the address actually connected to is checked at every
 * connection, in the socket's own `lookup` ({@link guardedLookup}); a literal address (which Node
 * connects to without a lookup) is checked right before the request ({@link refusedAddress}).
 */

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  // IPv4-mapped addresses (::ffff:127.0.0.1) are checked by BlockList against the IPv4 rules above.
  ['::', 96], // unspecified, loopback (::1) and the deprecated IPv4-compatible form
  ['64:ff9b::', 96], // NAT64 (RFC 6052): would reach any IPv4 address, private ones included
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo: tunnels to an obfuscated IPv4 address
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: tunnels to the embedded IPv4 address
  ['fc00::', 7], // unique local (includes the EC2 metadata address fd00:ec2::254)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

/** Why an address may not be called, or null when it is a public unicast address. */
export function refusedAddress(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return `"${address.slice(0, 64)}" is not an IP address`;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6')
    ? `${address} is a loopback, private, link-local or otherwise non-public address`
    : null;
}

/** Thrown by the guarded lookup; the sender records its message in the delivery log. */
export class RefusedAddressError extends Error {
  override readonly name = 'RefusedAddressError';
  readonly code = 'EWEBHOOKADDRESS';
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * `net.connect`'s `lookup`: resolves as usual, then refuses the connection if ANY resolved address is
 * not public (the socket may try each of them, RFC 8305), so a name that resolves to a private
 * address at connection time is never connected to, whatever it resolved to when it was saved.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) {
      callback(err, []);
      return;
    }
    for (const a of addresses) {
      const reason = refusedAddress(a.address);
      if (reason !== null) {
        callback(new RefusedAddressError(`refused: ${hostname} resolves to ${reason}`), []);
        return;
      }
    }
    const first = addresses[0];
    if (!first) {
      callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      return;
    }
    if (options.all) callback(null, addresses);
    else callback(null, first.address, first.family);
  });
}

/** The URL's host as a bare address when it is a literal IP (`[::1]` → `::1`), else null. */
export function literalAddress(url: URL): string | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) === 0 ? null : host;
}

export const MAX_URL_LENGTH = 2048;

/**
 * Checks a webhook URL when it is saved: http(s) only, no credentials in it, and (unless private
 * networks are allowed) no literal non-public address and no `localhost` name. Returns the
 * normalised URL (WHATWG: `http://2130706433/` and `http://0177.0.0.1/` both become
 * `http://127.0.0.1/`, which is then refused) or the reason it is refused.
 */
export function checkTargetUrl(
  input: string,
  allowPrivateNetworks: boolean,
): { ok: true; url: string } | { ok: false; reason: string } {
  if (input.length > MAX_URL_LENGTH) return { ok: false, reason: `at most ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, reason: 'only http:// and https:// URLs can receive webhooks' };
  if (url.username !== '' || url.password !== '')
    return { ok: false, reason: 'credentials in the URL are not supported (put a token in the path)' };
  url.hash = '';
  if (!allowPrivateNetworks) {
    const literal = literalAddress(url);
    if (literal !== null) {
      const reason = refusedAddress(literal);
      if (reason !== null) return { ok: false, reason: `${reason} (MOORING_WEBHOOK_ALLOW_PRIVATE_NETWORKS)` };
    } else {
      const host = url.hostname.toLowerCase().replace(/\.$/, '');
      if (host === 'localhost' || host.endsWith('.localhost'))
        return { ok: false, reason: 'localhost is not reachable (MOORING_WEBHOOK_ALLOW_PRIVATE_NETWORKS)' };
    }
  }
  return { ok: true, url: url.toString() };
}
