import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findChromium, launchChromium, npmChromiumInstalled } from '../support/browser.ts';

/**
 * Which Chromium the browser tests get: CHROMIUM_PATH, then a system one, then the one `npm ci`
 * brought. Each case gets its own environment, so they hold whatever this machine has installed.
 */
describe('the Chromium the browser tests use', () => {
  // A folder with an executable named chromium (never launched), and one with nothing.
  const dir = mkdtempSync(join(tmpdir(), 'synctrail-chromium-test-'));
  const bin = join(dir, 'bin');
  const fake = join(bin, 'chromium');
  const empty = join(dir, 'empty');
  mkdirSync(bin);
  mkdirSync(empty);
  writeFileSync(fake, '#!/bin/sh\nexit 1\n');
  chmodSync(fake, 0o755);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes CHROMIUM_PATH first, even with a Chromium on PATH', async () => {
    // Act
    const found = await findChromium({ env: { CHROMIUM_PATH: process.execPath, PATH: bin }, systemPaths: [] });

    // Assert
    expect(found).toMatchObject({ source: 'env', path: process.execPath });
  });

  it('refuses a CHROMIUM_PATH that names nothing instead of quietly using another Chromium', async () => {
    await expect(findChromium({ env: { CHROMIUM_PATH: join(dir, 'nope') } })).rejects.toThrow(/CHROMIUM_PATH=.*nope is not an executable/);
  });

  it('takes a system Chromium on PATH before the npm one', async () => {
    // Act
    const found = await findChromium({ env: { PATH: `${empty}:${bin}` }, systemPaths: [] });

    // Assert
    expect(found).toMatchObject({ source: 'system', path: fake });
  });

  // @sparticuz/chromium ships a Linux x64 binary, and npm installs it on Node 22.17+ only (an optional
  // dependency); elsewhere a system Chromium or CHROMIUM_PATH is the way.
  it.skipIf(!npmChromiumInstalled())('with no system Chromium reachable, launches the one npm ci brought and renders a page', async () => {
    // Arrange: CHROMIUM_PATH unset, a PATH without chromium, the usual paths skipped
    const found = await findChromium({ env: { PATH: empty, SYNCTRAIL_NO_SYSTEM_CHROMIUM: '1' } });
    expect(found.source).toBe('npm');
    expect(found.path.startsWith(tmpdir())).toBe(true);

    // Act (the launch prints which Chromium it is)
    const browser = await launchChromium(found);
    try {
      const page = await browser.newPage();
      await page.setContent('<title>rendered by the npm Chromium</title><p>SyncTrail</p>');

      // Assert: the page rendered, in the package's Chromium (its major is the package's major)
      expect(await page.title()).toBe('rendered by the npm Chromium');
      expect(await page.locator('p').textContent()).toBe('SyncTrail');
      expect(browser.version().split('.')[0]).toBe(found.version!.split('.')[0]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});

