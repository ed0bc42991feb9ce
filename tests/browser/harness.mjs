// Shared browser-test harness: starts the real signpost-server binary on 127.0.0.1 with a
// fresh data directory, and launches Debian's Chromium through playwright-core with the
// flags this machine needs (no sandbox as root, no background networking).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');

/** The server binary: SIGNPOST_SERVER_BIN, or the debug build in target/. */
function serverBinary() {
  return process.env.SIGNPOST_SERVER_BIN || join(repoRoot, 'target', 'debug', 'signpost-server');
}

/**
 * Starts the server on a free port with its own data directory.
 * @param {{corpus?: string, env?: Record<string,string>, cwd?: string}} options `cwd`: where
 *   the server runs (relative paths such as the preview's evaluation sets resolve there)
 * @returns {Promise<{url: string, stop: () => Promise<void>}>}
 */
export async function startServer(options = {}) {
  const data = mkdtempSync(join(tmpdir(), 'signpost-browser-'));
  const child = spawn(serverBinary(), [], {
    cwd: options.cwd,
    env: {
      ...process.env,
      SIGNPOST_ADDR: '127.0.0.1:0',
      SIGNPOST_CORPUS: options.corpus || join(repoRoot, 'corpus'),
      SIGNPOST_DATA: data,
      RUST_LOG: 'info',
      ...(options.env || {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 60_000);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const match = /serving on (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    url,
    log: () => log,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Launches headless Chromium from Debian's package. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Starts one server and one browser for a test file: registers `before`/`after` hooks and
 * returns an object whose `server` and `browser` are set once `before` has run.
 * @param {{corpus?: string, env?: Record<string,string>}} options passed to startServer
 */
export function serverAndBrowser(options = {}) {
  const shared = { server: undefined, browser: undefined };
  before(async () => {
    shared.server = await startServer(options);
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await shared.browser?.close();
    await shared.server?.stop();
  });
  return shared;
}
