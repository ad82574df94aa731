/** docs/errors.md's sections by key, put in at build time (console/build.ts). */
declare const __ERROR_RESOLUTIONS__: Record<string, string>;

export const resolutionFor = (key: string | null): string | undefined => (key ? __ERROR_RESOLUTIONS__[key] : undefined);
