import type { LookupAddress } from 'node:dns';
import dc from 'node:diagnostics_channel';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ANSWER_BODY_BYTES, HttpWebhookSender, embeddedIPv4, isPrivateAddress, pinnedLookup, webhookTargetPolicy, type Resolver } from '#adapters/webhook-sender.ts';

// Only loopback receives traffic here. The one other address dialled is 192.0.2.1
// (TEST-NET-1, unroutable), with a short timeout, to show where the socket goes.
const TEST_NET = '192.0.2.1';

describe('address classification', () => {
  const refused: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (instance metadata)'],
    ['100.64.0.1', 'shared address space'],
    ['100.127.255.255', 'shared address space'],
    ['0.0.0.0', 'this network'],
    ['0.1.2.3', 'this network'],
    ['192.0.0.1', 'IETF protocol assignments'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback, dotted'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['::FFFF:A9FE:A9FE', 'IPv4-mapped metadata, upper case'],
    ['0:0:0:0:0:ffff:a00:1', 'IPv4-mapped 10.0.0.1, written out'],
    ['::ffff:0:7f00:1', 'IPv4-translated loopback'],
    ['::7f00:1', 'IPv4-compatible loopback'],
    ['::a9fe:a9fe', 'IPv4-compatible metadata'],
    ['::127.0.0.1', 'IPv4-compatible loopback, dotted'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 metadata'],
    ['64:ff9b::7f00:1', 'NAT64 loopback'],
    ['64:ff9b::10.0.0.1', 'NAT64 private, dotted'],
    ['64:ff9b:1::808:808', 'local-use NAT64'],
    ['2002:a9fe:a9fe::', '6to4 metadata'],
    ['2002:7f00:1::1', '6to4 loopback'],
    ['2002:c0a8:101:1::1', '6to4 192.168.1.1'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo whose client is 127.0.0.1 (bits inverted)'],
  ];

  it.each(refused)('refuses %s (%s)', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
    expect(webhookTargetPolicy(false).allows(new URL(`https://${ip.includes(':') ? `[${ip}]` : ip}/hook`))).toBe(false);
  });

  const allowed: [string, string][] = [
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['172.32.0.1', 'just above 172.16/12'],
    ['100.128.0.1', 'just above 100.64/10'],
    ['169.255.0.1', 'just above 169.254/16'],
    ['2606:4700::1111', 'public IPv6'],
    ['2606:4700:4700::1111', 'public IPv6'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public'],
    ['::808:808', 'IPv4-compatible public'],
    ['64:ff9b::808:808', 'NAT64 8.8.8.8'],
    ['64:ff9b::8.8.8.8', 'NAT64 8.8.8.8, dotted'],
    ['2002:808:808::1', '6to4 8.8.8.8'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo, public server and client'],
  ];

  it.each(allowed)('allows %s (%s)', (ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
    expect(webhookTargetPolicy(false).allows(new URL(`https://${ip.includes(':') ? `[${ip}]` : ip}/hook`))).toBe(true);
  });

  it('reads the IPv4 address each form embeds', () => {
    expect(embeddedIPv4('::7f00:1')).toEqual(['127.0.0.1']);
    expect(embeddedIPv4('::ffff:127.0.0.1')).toEqual(['127.0.0.1']);
    expect(embeddedIPv4('::ffff:7f00:1')).toEqual(['127.0.0.1']);
    expect(embeddedIPv4('64:ff9b::a9fe:a9fe')).toEqual(['169.254.169.254']);
    expect(embeddedIPv4('64:ff9b::808:808')).toEqual(['8.8.8.8']);
    expect(embeddedIPv4('2002:a9fe:a9fe::')).toEqual(['169.254.169.254']);
    expect(embeddedIPv4('::a9fe:a9fe')).toEqual(['169.254.169.254']);
    expect(embeddedIPv4('2001:0:4136:e378:8000:63bf:3fff:fdd2')).toEqual(['65.54.227.120', '192.0.2.45']);
    expect(embeddedIPv4('2606:4700::1111')).toEqual([]);
  });

  it('sees through the URL forms of an address (integer, hex, mapped) and refuses localhost names', () => {
    const aws = webhookTargetPolicy(false);
    for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://[::ffff:127.0.0.1]/', 'http://[0:0:0:0:0:ffff:a9fe:a9fe]/', 'http://LOCALHOST/', 'http://api.localhost/']) {
      expect(aws.allows(new URL(url)), url).toBe(false);
    }
    expect(webhookTargetPolicy(true).allows(new URL('http://[::ffff:127.0.0.1]/'))).toBe(true);
  });
});

describe('pinned lookup', () => {
  const vetted: LookupAddress[] = [
    { address: '2606:4700::1111', family: 6 },
    { address: '8.8.8.8', family: 4 },
  ];
  const ask = (options: { all?: boolean; family?: number }) =>
    new Promise<unknown>((resolve, reject) =>
      pinnedLookup(vetted)('anything.example', options as never, (error, address, family) => (error ? reject(error) : resolve(options.all ? address : [address, family]))),
    );

  it('answers the vetted addresses whatever name it is asked for, one or all, by family', async () => {
    expect(await ask({ all: true })).toEqual(vetted);
    expect(await ask({})).toEqual(['2606:4700::1111', 6]);
    expect(await ask({ family: 4 })).toEqual(['8.8.8.8', 4]);
    expect(await ask({ all: true, family: 6 })).toEqual([vetted[0]]);
  });
});

/** A loopback HTTP server that counts connections and records requests. */
async function startServer(answer = 200) {
  const requests: { headers: IncomingMessage['headers']; body: string; method: string; url: string }[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ headers: req.headers, body, method: req.method!, url: req.url! });
      res.writeHead(answer, answer === 302 ? { location: 'http://127.0.0.1:1/elsewhere' } : {}).end('a body nobody reads');
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** A resolver that answers `first` once and `later` on every call after it, counting calls. */
function flipFlop(first: string, later: string) {
  const calls: string[] = [];
  const resolve: Resolver = async (hostname) => {
    calls.push(hostname);
    const address = calls.length === 1 ? first : later;
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  return { resolve, calls };
}

/** Every address a client socket tries to connect to while `fn` runs. */
async function connectAttempts(fn: () => Promise<unknown>): Promise<string[]> {
  const attempts: string[] = [];
  const onSocket = ({ socket }: { socket: Socket }) => socket.on('connectionAttempt', (ip: string, port: number) => attempts.push(`${ip}:${port}`));
  dc.subscribe('net.client.socket', onSocket as never);
  try {
    await fn();
  } finally {
    dc.unsubscribe('net.client.socket', onSocket as never);
  }
  return attempts;
}

const HEADERS = {
  'content-type': 'application/json',
  'user-agent': 'SyncTrail-Webhooks/1',
  'synctrail-signature': 't=1700000000,v1=684fbc8999ff13aa332102c10e23ad56af8cb3b34c5d3bcba8bf53317e5f6c33',
  'synctrail-event-id': 'evt_1',
  'synctrail-event-type': 'webhook.test',
  'synctrail-delivery-id': 'dlv_1',
  'synctrail-attempt': '1',
};
const BODY = '{"id":"evt_1","type":"webhook.test"}';

describe('HttpWebhookSender in AWS mode (private targets refused)', () => {
  // A fresh loopback server per test: it must see no connection at all.
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(() => server.close());

  it('connects to the address it checked: a resolver that answers loopback the second time is never asked again', async () => {
    // Arrange: first answer public (unroutable TEST-NET-1), any later one loopback, where the server listens.
    const dns = flipFlop(TEST_NET, '127.0.0.1');
    const sender = new HttpWebhookSender(false, { resolve: dns.resolve });

    // Act
    let outcome: unknown;
    const attempts = await connectAttempts(async () => {
      outcome = await sender.post(`http://hooks.test:${server.port}/hook`, HEADERS, BODY, 400).catch((error: Error) => error);
    });

    // Assert: one resolution, the socket went to the vetted address, loopback saw nothing.
    expect(dns.calls).toEqual(['hooks.test']);
    expect(attempts).toEqual([`${TEST_NET}:${server.port}`]);
    expect(outcome).toBeInstanceOf(Error);
    expect(server.connections()).toBe(0);
    expect(server.requests).toHaveLength(0);
  });

  it('does not fall back to the system resolver either (localhost would reach the server)', async () => {
    const sender = new HttpWebhookSender(false, { resolve: async () => [{ address: TEST_NET, family: 4 }] });

    const attempts = await connectAttempts(() => sender.post(`http://localhost:${server.port}/hook`, HEADERS, BODY, 400).catch(() => undefined));

    expect(attempts).toEqual([`${TEST_NET}:${server.port}`]);
    expect(server.connections()).toBe(0);
  });

  it('refuses a name whose addresses include a private one, in any embedding, without connecting', async () => {
    for (const address of ['127.0.0.1', '::ffff:7f00:1', '::7f00:1', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::', '::a9fe:a9fe', '::1']) {
      const resolve: Resolver = async () => [
        { address: '8.8.8.8', family: 4 },
        { address, family: address.includes(':') ? 6 : 4 },
      ];
      const sender = new HttpWebhookSender(false, { resolve });
      const attempts = await connectAttempts(() => expect(sender.post(`http://hooks.test:${server.port}/hook`, HEADERS, BODY, 400)).rejects.toThrow(/refused: hooks.test resolves to a private address/));
      expect(attempts, address).toEqual([]);
    }
    expect(server.connections()).toBe(0);
  });

  it('refuses literal private addresses, including mapped ones, and names that resolve to nothing', async () => {
    const sender = new HttpWebhookSender(false, { resolve: async () => [] });
    for (const url of [`http://127.0.0.1:${server.port}/`, `http://[::ffff:127.0.0.1]:${server.port}/`, `http://[::7f00:1]:${server.port}/`]) {
      await expect(sender.post(url, HEADERS, BODY, 400), url).rejects.toThrow(/refused/);
    }
    await expect(sender.post('http://hooks.test/', HEADERS, BODY, 400)).rejects.toThrow('hooks.test has no address');
    await expect(sender.post('ftp://hooks.test/', HEADERS, BODY, 400)).rejects.toThrow(/refused: ftp:/);
    expect(server.connections()).toBe(0);
  });

  it('counts a resolution that does not answer against the timeout', async () => {
    const sender = new HttpWebhookSender(false, { resolve: () => new Promise(() => undefined) });
    const started = Date.now();
    await expect(sender.post('https://hooks.test/', HEADERS, BODY, 100)).rejects.toThrow('no answer within 100 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('HttpWebhookSender in local mode (private targets allowed)', () => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('delivers to a loopback receiver with the Host header, body and signature headers, and answers its status', async () => {
    server = await startServer(202);
    const sender = new HttpWebhookSender(true);

    const answer = await sender.post(`http://127.0.0.1:${server.port}/hook?source=test`, HEADERS, BODY, 2_000);

    expect(answer).toEqual({ status: 202 });
    expect(server.requests).toHaveLength(1);
    const [received] = server.requests;
    expect(received).toMatchObject({ method: 'POST', url: '/hook?source=test', body: BODY });
    expect(received!.headers).toMatchObject({
      host: `127.0.0.1:${server.port}`,
      'content-length': String(Buffer.byteLength(BODY)),
      ...HEADERS,
    });
  });

  it('sends the name, not the address, as Host when a name resolves to loopback (resolved once)', async () => {
    server = await startServer();
    const dns = flipFlop('127.0.0.1', TEST_NET);
    const sender = new HttpWebhookSender(true, { resolve: dns.resolve });

    const answer = await sender.post(`http://hooks.test:${server.port}/hook`, HEADERS, BODY, 2_000);

    expect(answer).toEqual({ status: 200 });
    expect(dns.calls).toEqual(['hooks.test']);
    expect(server.requests[0]!.headers.host).toBe(`hooks.test:${server.port}`);
  });

  it('answers a redirect as a status without following it, and non-2xx as a status too, with the first bytes of what it said', async () => {
    server = await startServer(302);
    expect(await new HttpWebhookSender(true).post(`http://127.0.0.1:${server.port}/hook`, HEADERS, BODY, 2_000)).toEqual({ status: 302, body: 'a body nobody reads' });
    expect(server.requests).toHaveLength(1);
    await server.close();
    server = await startServer(503);
    expect(await new HttpWebhookSender(true).post(`http://127.0.0.1:${server.port}/hook`, HEADERS, BODY, 2_000)).toEqual({ status: 503, body: 'a body nobody reads' });
  });

  it('throws when there is no answer: refused connection, or a receiver that never answers within the timeout', async () => {
    const sender = new HttpWebhookSender(true);
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      await expect(sender.post(`http://127.0.0.1:${port}/hook`, HEADERS, BODY, 200)).rejects.toThrow('no answer within 200 ms');
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
    await expect(sender.post(`http://127.0.0.1:${port}/hook`, HEADERS, BODY, 500)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('HttpWebhookSender over TLS to a pinned address', () => {
  let dir: string;
  let cert: Buffer;
  let tls: TlsServer;
  let port: number;
  const seen: { sni: string | false | null; host: string | undefined }[] = [];

  beforeAll(async () => {
    // A self-signed certificate for hooks.test only (openssl ships with every CI image we use).
    dir = mkdtempSync(join(tmpdir(), 'webhook-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=hooks.test', '-addext', 'subjectAltName=DNS:hooks.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'));
    tls = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      seen.push({ sni: (req.socket as import('node:tls').TLSSocket).servername, host: req.headers.host });
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    port = (tls.address() as AddressInfo).port;
  });
  afterAll(async () => {
    tls.closeAllConnections();
    await new Promise((resolve) => tls.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the host in SNI and Host and checks the certificate against the name, while dialling the pinned address', async () => {
    const sender = new HttpWebhookSender(true, { resolve: async () => [{ address: '127.0.0.1', family: 4 }], ca: cert });

    expect(await sender.post(`https://hooks.test:${port}/hook`, HEADERS, BODY, 2_000)).toEqual({ status: 204 });
    expect(seen.at(-1)).toEqual({ sni: 'hooks.test', host: `hooks.test:${port}` });

    // Same address, another name: the certificate does not name it, so no delivery.
    await expect(sender.post(`https://other.test:${port}/hook`, HEADERS, BODY, 2_000)).rejects.toThrow(/other\.test|altnames/i);
    // And without trusting the certificate, it is refused as well.
    await expect(new HttpWebhookSender(true, { resolve: async () => [{ address: '127.0.0.1', family: 4 }] }).post(`https://hooks.test:${port}/hook`, HEADERS, BODY, 2_000)).rejects.toThrow(/self[- ]signed/i);
    expect(seen).toHaveLength(1);
  });
});

describe('HttpWebhookSender answers', () => {
  it("keeps a refusal's first 500 bytes for the delivery log, and none of a success's", async () => {
    // Arrange: a receiver that refuses with a long reason, another that accepts
    const reason = JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: ['x'.repeat(2000)] });
    const refusing = createServer((_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end(reason));
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const accepting = await startServer(202);
    const sender = new HttpWebhookSender(true);
    try {
      // Act
      const refused = await sender.post(`http://127.0.0.1:${(refusing.address() as AddressInfo).port}/v2/enqueue`, HEADERS, BODY, 5_000);
      const accepted = await sender.post(`http://127.0.0.1:${accepting.port}/`, HEADERS, BODY, 5_000);

      // Assert
      expect(refused).toEqual({ status: 400, body: reason.slice(0, ANSWER_BODY_BYTES) });
      expect(accepted).toEqual({ status: 202 });
    } finally {
      refusing.closeAllConnections();
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
      await accepting.close();
    }
  });
});
