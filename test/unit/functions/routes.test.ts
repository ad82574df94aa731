import { describe, expect, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import { SCOPES } from '#domain/keys.ts';
import type { Deps } from '#domain/ports.ts';
import type { RouteHandler } from '#http/api-handler.ts';
import type { runPath } from '#http/schemas.ts';
import { ROUTE_SPEC, ROUTES, specOf, type SpecFn } from '../../../functions/routes.ts';

/** The one route no key guards: it has no spec, and no `apiHandler`. */
const PUBLIC = ['meta/get-openapi'];
const deps = {} as Deps;
const pathNames = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
const keysOf = (schema: z.ZodType | undefined) => (schema instanceof z.ZodObject ? Object.keys(schema.shape) : []);

describe('the route table', () => {
  it('has one entry per route key and per handler module', () => {
    expect(new Set(ROUTES.map((r) => `${r.method} ${r.path}`)).size).toBe(ROUTES.length);
    expect(new Set(ROUTES.map((r) => r.fn)).size).toBe(ROUTES.length);
  });

  it('gives every route but the public one a spec with a scope or the root key', () => {
    expect(ROUTES.filter((r) => !r.spec).map((r) => r.fn)).toEqual(PUBLIC);
    for (const route of ROUTES.filter((r) => r.spec)) expect(['root', ...SCOPES], route.fn).toContain(route.spec!.auth);
    expect(Object.keys(ROUTE_SPEC).sort()).toEqual(ROUTES.filter((r) => r.spec).map((r) => r.fn).sort());
    for (const route of ROUTES.filter((r) => r.spec)) expect(specOf(route.fn as SpecFn), route.fn).toBe(route.spec);
  });

  it('keeps each spec\'s literal types, which handlers and the typed client infer from (tsc checks this)', () => {
    expectTypeOf(specOf('ingest/post-batch').auth).toEqualTypeOf<'ingest'>();
    expectTypeOf(specOf('ingest/post-batch').params).toEqualTypeOf<typeof runPath>();
    expectTypeOf(specOf('query/list-runs')).not.toHaveProperty('body');
  });

  it("declares a params schema with exactly the path's parameters, and none for a path without any", () => {
    for (const route of ROUTES.filter((r) => r.spec)) {
      const names = pathNames(route.path);
      if (names.length === 0) expect(route.spec!.params, route.fn).toBeUndefined();
      else expect(route.spec!.params, route.fn).toBeInstanceOf(z.ZodObject);
      expect(keysOf(route.spec!.params).sort(), route.fn).toEqual(names.sort());
    }
  });

  it('takes a body only on POST and PUT, and body limits only with a body', () => {
    for (const route of ROUTES.filter((r) => r.spec)) {
      const spec = route.spec!;
      if (route.method === 'GET' || route.method === 'DELETE') expect(spec.body, route.fn).toBeUndefined();
      if (!spec.body) expect([spec.bodyOptional, spec.maxBodyBytes, spec.tooLargeHint], route.fn).toEqual([undefined, undefined, undefined]);
      expect(keysOf(spec.query).filter((key) => pathNames(route.path).includes(key)), `${route.fn}: a query key that is also a path parameter`).toEqual([]);
    }
  });

  it("has each handler module validate with its own route's spec", async () => {
    for (const route of ROUTES) {
      const module = (await import(/* @vite-ignore */ new URL(`../../../functions/${route.fn}.ts`, import.meta.url).href)) as { makeHandler: (deps: Deps) => RouteHandler };
      const handler = module.makeHandler(deps);
      if (route.spec) expect(handler.spec, `functions/${route.fn}.ts validates with another route's spec`).toBe(route.spec);
      else expect(handler.spec, route.fn).toBeUndefined();
    }
  });
});
