import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { WebhookSender, WebhookTargetPolicy } from '#domain/ports.ts';

/** IPv4 networks a deployment in AWS never calls: this network, private, shared (CGNAT), loopback, link-local (instance metadata), reserved, multicast. */
const PRIVATE_V4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE_V4.addSubnet(network, prefix, 'ipv4');
}

/**
 * IPv6 networks never called. Forms that embed an IPv4 address (mapped, compatible,
 * NAT64, 6to4, Teredo) are judged by the IPv4 address instead; see `embeddedIPv4`.
 */
const PRIVATE_V6 = new BlockList();
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215): where the IPv4 address sits is a local choice
  ['100::', 64], // discard-only
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  PRIVATE_V6.addSubnet(network, prefix, 'ipv6');
}

/** An IPv6 address (already valid by `isIP`) as its eight 16-bit groups. */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const [head = '', tail] = text.split('::');
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The IPv4 addresses an IPv6 address stands for, when it is one of the forms that carry
 * one: a packet to these ends up at (or is routed by) the IPv4 address.
 */
export function embeddedIPv4(address: string): string[] {
  const g = ipv6Groups(address);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zero = (from: number, to: number) => g.slice(from, to).every((group) => group === 0);
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  if (zero(0, 5) && g5 === 0xffff) return [v4(g6, g7)]; // IPv4-mapped ::ffff:a.b.c.d
  if (zero(0, 4) && g4 === 0xffff && g5 === 0) return [v4(g6, g7)]; // IPv4-translated ::ffff:0:a.b.c.d (SIIT)
  if (zero(0, 6)) return [v4(g6, g7)]; // IPv4-compatible ::a.b.c.d (deprecated); :: and ::1 land in 0.0.0.0/8
  if (g0 === 0x64 && g1 === 0xff9b && zero(2, 6)) return [v4(g6, g7)]; // NAT64 well-known prefix 64:ff9b::/96
  if (g0 === 0x2002) return [v4(g1, g2)]; // 6to4 2002:a.b.c.d::/48
  if (g0 === 0x2001 && g1 === 0) return [v4(g2, g3), v4(g6 ^ 0xffff, g7 ^ 0xffff)]; // Teredo: server, and the client (inverted)
  return [];
}

/**
 * Whether an address is one a deployment in AWS never calls. IPv6 forms that embed an
 * IPv4 address (`::ffff:127.0.0.1`, `::7f00:1`, `64:ff9b::a9fe:a9fe`, `2002:a9fe:a9fe::`)
 * are judged as the IPv4 address they embed. Anything that is not an IP address: false.
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return PRIVATE_V4.check(bare, 'ipv4');
  if (family !== 6) return false;
  const embedded = embeddedIPv4(bare);
  if (embedded.length) return embedded.some((v4) => PRIVATE_V4.check(v4, 'ipv4'));
  return PRIVATE_V6.check(bare, 'ipv6');
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

/** Resolves a name to all its addresses (the system resolver by default; tests inject one). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * A `lookup` for the HTTP request that answers the addresses already resolved and checked,
 * never asking DNS again: the socket connects to exactly what was vetted.
 */
export function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const fitting = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    if (!fitting.length) {
      callback(Object.assign(new Error(`no IPv${options.family} address was vetted`), { code: 'ENOTFOUND' }), '', 0);
    } else if (options.all) {
      callback(null, fitting);
    } else {
      callback(null, fitting[0]!.address, fitting[0]!.family);
    }
  };
}

export interface HttpWebhookSenderOptions {
  /** Name resolution; the only one the sender does (once per attempt). */
  resolve?: Resolver;
  /** Certificate authorities to trust instead of the default ones (tests, private CAs). */
  ca?: string | Buffer | Array<string | Buffer>;
}

/**
 * Posts deliveries with node:http(s): a timeout per attempt (name resolution, connect and
 * the answer's headers), no redirects followed (a redirect could lead anywhere), and in
 * AWS no private targets. The name is resolved once; the addresses are checked and the
 * connection is made to exactly those (a pinned `lookup`), so DNS cannot answer a public
 * address to the check and a private one to the connection. TLS still names the host:
 * SNI, the Host header and the certificate check use the hostname, not the address.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly resolve: Resolver;

  constructor(
    private readonly allowPrivate: boolean,
    private readonly options: HttpWebhookSenderOptions = {},
  ) {
    this.resolve = options.resolve ?? systemResolver;
  }

  async post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; body?: string }> {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`refused: ${target.protocol} is not http or https`);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      const addresses = await this.vetted(hostOf(target), deadline.signal);
      return await this.send(target, addresses, headers, body, deadline.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The host's addresses, resolved once; in AWS refused when any of them is private. */
  private async vetted(host: string, signal: AbortSignal): Promise<LookupAddress[]> {
    const family = isIP(host);
    const addresses = family ? [{ address: host, family }] : await abortable(this.resolve(host), signal);
    if (!addresses.length) throw new Error(`${host} has no address`);
    if (!this.allowPrivate && addresses.some((a) => isPrivateAddress(a.address))) throw new Error(`refused: ${host} resolves to a private address`);
    return addresses;
  }

  private send(target: URL, addresses: LookupAddress[], headers: Record<string, string>, body: string, signal: AbortSignal): Promise<{ status: number; body?: string }> {
    const payload = Buffer.from(body);
    const options: RequestOptions = {
      method: 'POST',
      host: hostOf(target), // Host header, SNI and certificate check use the name...
      port: target.port || undefined,
      path: `${target.pathname}${target.search}`,
      headers: { ...headers, 'content-length': String(payload.length) },
      lookup: pinnedLookup(addresses), // ...the socket goes to the vetted address (literal IPs skip lookup: they are the vetted address)
      agent: false, // a fresh connection: no pooled socket from an earlier resolution is reused
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    };
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(options, (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          signal.removeEventListener('abort', onAbort);
          resolve({ status });
          // A success's body is not needed; let the connection go.
          response.destroy();
          return;
        }
        // A refusal's first bytes say why (PagerDuty: "Event object is invalid"): kept for the delivery log.
        const chunks: Buffer[] = [];
        let bytes = 0;
        const done = () => {
          signal.removeEventListener('abort', onAbort);
          resolve({ status, body: Buffer.concat(chunks).subarray(0, ANSWER_BODY_BYTES).toString('utf8') });
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          bytes += chunk.length;
          if (bytes >= ANSWER_BODY_BYTES) response.destroy();
        });
        response.once('close', done);
      });
      const onAbort = () => request.destroy(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      });
      request.end(payload);
    });
  }
}

/** Of a refusal's answer, this many bytes are kept for the delivery log. */
export const ANSWER_BODY_BYTES = 500;

/** A promise that rejects with the signal's reason when it is aborted first (dns.lookup itself cannot be cancelled). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}
