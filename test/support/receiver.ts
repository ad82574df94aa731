import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: Record<string, string>;
  body: string;
  json: { id: string; type: string; orgId: string; data: Record<string, any> };
}

/**
 * A webhook receiver on loopback that records every request and answers with the next
 * status of `script` (then 200 for ever after).
 */
export async function startReceiver(script: number[] = []) {
  const received: Received[] = [];
  const statuses = [...script];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      received.push({ headers, body, json: JSON.parse(body) });
      res.writeHead(statuses.shift() ?? 200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    ofType: (type: string) => received.filter((r) => r.json.type === type),
    answerNext: (...next: number[]) => statuses.push(...next),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A receiver that accepts every request and answers none (the connection stays open) until
 * `release(status)`: then the requests still waiting, and every later one, get `status`.
 */
export async function startHangingReceiver() {
  const waiting = new Set<ServerResponse>();
  let answer: number | undefined;
  const arrived: number[] = [];
  const server: Server = createServer((req, res) => {
    arrived.push(Date.now());
    req.resume();
    if (answer !== undefined) return void res.writeHead(answer).end('ok');
    waiting.add(res);
    res.on('close', () => waiting.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    /** When each request arrived (epoch ms). */
    arrived,
    /** Requests waiting for an answer now (one the sender gave up on is gone). */
    waiting: () => waiting.size,
    release(status: number) {
      answer = status;
      for (const res of waiting) res.writeHead(status).end('ok');
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback URL nobody listens on: a port just taken and given back. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hook`;
}
