import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { WebhookSender, WebhookTargetPolicy } from '#domain/ports.ts';

/** Addresses a deployment in AWS never calls: loopback, private, link-local (instance metadata), reserved. */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  const family = isIP(address);
  if (family === 0) return false;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * The target policy: with `allowPrivate` (local mode, where the receiver is usually on this
 * machine) anything goes; otherwise a literal private address or `localhost` is refused.
 * Names are checked again when resolved, at delivery.
 */
export function webhookTargetPolicy(allowPrivate: boolean): WebhookTargetPolicy {
  return {
    allows(url: URL) {
      if (allowPrivate) return true;
      const host = hostOf(url).toLowerCase();
      return host !== 'localhost' && !host.endsWith('.localhost') && !isPrivateAddress(host);
    },
  };
}

/**
 * Posts deliveries with fetch: a timeout per attempt, no redirects followed (a redirect
 * could lead anywhere), and in AWS no private targets, checked on the resolved addresses.
 */
export class FetchWebhookSender implements WebhookSender {
  constructor(private readonly allowPrivate: boolean) {}

  async post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number }> {
    const target = new URL(url);
    if (!this.allowPrivate) {
      const host = hostOf(target);
      const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
      if (!addresses.length || addresses.some(isPrivateAddress)) throw new Error(`refused: ${host} resolves to a private address`);
    }
    const response = await fetch(target, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    // The answer's body is not needed; let the connection go.
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status };
  }
}
