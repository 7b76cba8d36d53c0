// Shared helpers of the browser tests: a supervisord started on a temporary config, a tiny
// XML-RPC client, Chromium launch options, and polling with deadlines (never fixed sleeps).

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'tests', 'browser', 'artifacts');

/** The daemon under test: $SUPERVISORD_BIN, else the debug build in $CARGO_TARGET_DIR or target/. */
export function daemonBinary() {
  // Absolute, because the daemon is spawned with its temporary directory as cwd.
  const bin = process.env.SUPERVISORD_BIN
    ? resolve(process.env.SUPERVISORD_BIN)
    : resolve(process.env.CARGO_TARGET_DIR || join(ROOT, 'target'), 'debug', 'supervisord');
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: run \`cargo build --bin supervisord\` first or set SUPERVISORD_BIN`);
  }
  return bin;
}

/** Chromium: Debian's package (or $CHROMIUM_PATH), with the flags that keep it off the network. */
export function chromiumOptions() {
  return {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  };
}

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** Polls `cond` (sync or async) every 25 ms until it is truthy or `ms` pass. */
export async function waitFor(what, cond, ms = 15000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const USER = 'admin';
export const PASSWORD = 'secret pass';

/** A supervisord on a temporary config with an inet server requiring USER/PASSWORD. */
export class Daemon {
  constructor(programs, { env = {} } = {}) {
    this.programs = programs;
    this.env = env;
    this.dir = mkdtempSync(join(tmpdir(), 'sup-web-'));
  }

  async start() {
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}/`;
    const conf = join(this.dir, 'supervisord.conf');
    writeFileSync(conf, [
      '[inet_http_server]',
      `port = 127.0.0.1:${this.port}`,
      `username = ${USER}`,
      `password = ${PASSWORD}`,
      '',
      '[supervisord]',
      `logfile = ${this.dir}/supervisord.log`,
      `pidfile = ${this.dir}/supervisord.pid`,
      `childlogdir = ${this.dir}`,
      'identifier = browser-test',
      '',
      '[rpcinterface:supervisor]',
      'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
      '',
      this.programs,
    ].join('\n'));
    this.child = spawn(daemonBinary(), ['-n', '-c', conf], {
      cwd: this.dir,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.stderr = '';
    this.child.stderr.on('data', (d) => { this.stderr += d; });
    this.exited = new Promise((r) => this.child.on('exit', r));
    await waitFor(`supervisord on port ${this.port} (stderr: ${this.stderr})`, async () => {
      const r = await this.fetch('ok.html');
      return r.status === 200;
    });
    return this;
  }

  /** Fetches a path of the daemon with credentials. */
  fetch(path, init = {}) {
    const auth = 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    return fetch(this.url + path, {
      redirect: 'manual',
      ...init,
      headers: { authorization: auth, ...(init.headers || {}) },
    });
  }

  /** Calls `supervisor.<method>` with string arguments; returns the raw XML answer. */
  async rpc(method, ...args) {
    const params = args
      .map((a) => `<param><value><string>${a}</string></value></param>`)
      .join('');
    const body = `<?xml version="1.0"?><methodCall><methodName>supervisor.${method}</methodName>` +
      `<params>${params}</params></methodCall>`;
    const r = await this.fetch('RPC2', {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/xml' },
    });
    return r.text();
  }

  /** The state name of one process (`RUNNING`). */
  async state(namespec) {
    const xml = await this.rpc('getProcessInfo', namespec);
    const m = xml.match(/<name>statename<\/name>\s*<value><string>([A-Z]+)<\/string>/);
    if (!m) throw new Error(`no statename in ${xml}`);
    return m[1];
  }

  async stop() {
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function artifactsDir() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}
