// Browser tests of the web admin page: a real supervisord on a temporary config, driven through
// Debian's headless Chromium with playwright-core. Run with `node --test tests/browser/`
// (see README.md in this folder).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import {
  Daemon, PASSWORD, USER, artifactsDir, chromiumOptions, freePort, waitFor,
} from './support.mjs';

const PROGRAMS = `
[program:ticker]
command = /bin/sh -c 'i=0; while :; do i=$((i+1)); echo "tick $i"; if [ $((i %% 5)) -eq 0 ]; then echo "warn $i" >&2; fi; sleep 0.2; done'
startsecs = 0
stopwaitsecs = 3

[program:sleeper]
command = /bin/sleep 1000
startsecs = 0

[program:pool]
command = /bin/sleep 1000
process_name = %(program_name)s_%(process_num)d
numprocs = 2
startsecs = 0

[program:<i>x]
command = /bin/sleep 1000
autostart = false
`;

const ALL = ['<i>x', 'pool:pool_0', 'pool:pool_1', 'sleeper', 'ticker'];

describe('web admin page', () => {
  let daemon;
  let browser;
  let context;
  let page;

  before(async () => {
    daemon = await new Daemon(PROGRAMS).start();
    await waitFor('autostarted programs', async () =>
      (await daemon.state('ticker')) === 'RUNNING' && (await daemon.state('pool:pool_1')) === 'RUNNING');
    browser = await chromium.launch(chromiumOptions());
    context = await browser.newContext({
      httpCredentials: { username: USER, password: PASSWORD },
      viewport: { width: 1280, height: 800 },
    });
    page = await context.newPage();
    page.on('dialog', (d) => d.accept());
  });

  after(async () => {
    if (browser) await browser.close();
    if (daemon) await daemon.stop();
  });

  const row = (name) => page.locator(`tr.proc[data-name="${name}"]`);
  const stateOf = (name) => row(name).locator('td.state');
  const waitState = (name, state) =>
    stateOf(name).filter({ hasText: new RegExp(`^${state}$`) }).waitFor({ timeout: 15000 });

  /** Marks the current document; `assertSameDocument` proves no reload happened since. */
  const markDocument = () => page.evaluate(() => { window.__sameDocument = true; });
  const assertSameDocument = async () =>
    assert.equal(await page.evaluate(() => window.__sameDocument === true), true,
      'the page was reloaded');

  it('refuses every page and asset without credentials', async () => {
    for (const httpCredentials of [undefined, { username: USER, password: 'wrong' }]) {
      const anonymous = await browser.newContext({ httpCredentials });
      const p = await anonymous.newPage();
      // Headless Chromium has no login prompt: the navigation ends with the 401 page, or
      // fails when the supplied credentials are refused.
      const shown = await p.goto(daemon.url).then((r) => r.status(), (e) => e.message);
      assert.match(String(shown), /^401$|ERR_INVALID_AUTH_CREDENTIALS/);
      assert.equal(await p.locator('#procs').count(), 0);
      for (const path of ['', 'index.html', 'tail.html?processname=ticker', 'ui/static/app.css',
        'ui/procs', 'ui/follow?processname=ticker']) {
        const resp = await anonymous.request.get(daemon.url + path);
        assert.equal(resp.status(), 401, path);
        assert.match(resp.headers()['www-authenticate'], /^Basic realm=/);
      }
      await anonymous.close();
    }
  });

  it('shows the status table, escaped, with credentials', async () => {
    const resp = await page.goto(daemon.url);
    assert.equal(resp.status(), 200);
    assert.equal(await page.title(), 'Supervisor Status');
    for (const name of ALL) await row(name).waitFor();
    await waitState('ticker', 'running');
    await waitState('<i>x', 'stopped');
    // The program called `<i>x` is shown as text, not as markup.
    assert.equal(await row('<i>x').locator('td.name a').textContent(), '<i>x');
    assert.equal(await page.locator('td.name i').count(), 0);
    assert.match(await row('ticker').locator('td.state span').getAttribute('class'), /statusrunning/);
    await page.screenshot({ path: join(artifactsDir(), 'status.png'), fullPage: true });
  });

  it('shows what each running process tree uses, and CPU as a percentage while open', async () => {
    await page.goto(daemon.url);
    await waitState('ticker', 'running');
    // The ticker's shell forks a `sleep` every 0.2 s: its tree has memory, and a CPU reading.
    const mem = row('ticker').locator('td.mem');
    assert.match(await mem.textContent(), /^[0-9.]+ (KiB|MiB)/);
    assert.ok(Number(await mem.getAttribute('data-rss')) > 100 * 1024);
    // After the next poll, the CPU cell shows a percentage computed from two readings.
    await row('ticker').locator('td.cpu.pct').waitFor({ timeout: 15000 });
    assert.match(await row('ticker').locator('td.cpu').textContent(), /^[0-9.]+%$/);
    // A stopped program has no numbers.
    assert.equal((await row('<i>x').locator('td.mem').textContent()).trim(), '');
  });

  it('stops, starts and restarts a program by clicking, without reloading', async () => {
    await page.goto(daemon.url);
    await markDocument();
    await row('sleeper').getByRole('button', { name: 'Stop' }).click();
    await waitState('sleeper', 'stopped');
    await page.locator('#message', { hasText: 'Process sleeper stopped' }).waitFor();
    assert.equal(await daemon.state('sleeper'), 'STOPPED');

    await row('sleeper').getByRole('button', { name: 'Start' }).click();
    await waitState('sleeper', 'running');
    await page.locator('#message', { hasText: 'Process sleeper started' }).waitFor();

    const pidOf = async () => (await row('sleeper').locator('td.desc').textContent()).match(/pid (\d+)/)[1];
    const before = await pidOf();
    await row('sleeper').getByRole('button', { name: 'Restart' }).click();
    await page.locator('#message', { hasText: 'Process sleeper restarted' }).waitFor();
    await waitFor('a new pid for sleeper', async () => (await pidOf()) !== before);
    await waitState('sleeper', 'running');
    await assertSameDocument();
  });

  it('shows state changes made elsewhere without reloading', async () => {
    await page.goto(daemon.url);
    await markDocument();
    await waitState('pool:pool_0', 'running');
    await daemon.rpc('stopProcess', 'pool:pool_0');
    await waitState('pool:pool_0', 'stopped');
    await daemon.rpc('startProcess', 'pool:pool_0');
    await waitState('pool:pool_0', 'running');
    await assertSameDocument();
  });

  it('filters and collapses groups', async () => {
    await page.goto(daemon.url);
    await page.locator('#filter').fill('pool');
    await row('ticker').waitFor({ state: 'hidden' });
    assert.equal(await row('pool:pool_1').isVisible(), true);
    await page.locator('#filter').fill('');
    await row('ticker').waitFor({ state: 'visible' });

    await page.locator('button.toggle[data-group="pool"]').click();
    await row('pool:pool_0').waitFor({ state: 'hidden' });
    // Collapsing survives the live refresh of the table and a reload.
    await page.waitForResponse((r) => r.url().endsWith('/ui/procs'));
    assert.equal(await row('pool:pool_0').isVisible(), false);
    await page.reload();
    await row('pool:pool_0').waitFor({ state: 'hidden' });
    await page.locator('button.toggle[data-group="pool"]').click();
    await row('pool:pool_0').waitFor({ state: 'visible' });
  });

  it('charts the CPU and memory of a process while its page is open', async () => {
    await page.goto(`${daemon.url}tail.html?processname=ticker`);
    // Shown without the script too: the numbers at the time of the page.
    assert.match(await page.locator('#mem-now').textContent(), /^[0-9.]+ (KiB|MiB)$/);
    // The script reads the JSON API every 2 s and draws what it read.
    await page.locator('#usage.live').waitFor({ timeout: 15000 });
    assert.match(await page.locator('#cpu-now').textContent(), /^[0-9.]+%$/);
    await waitFor('two points in each chart', async () => {
      const cpu = await page.locator('#cpu-chart polyline').getAttribute('points');
      const mem = await page.locator('#mem-chart polyline').getAttribute('points');
      return cpu.split(' ').length >= 2 && mem.split(' ').length >= 2;
    });
    await page.locator('#usage').screenshot({ path: join(artifactsDir(), 'usage.png') });
    // A stopped process has no panel.
    await page.goto(`${daemon.url}tail.html?processname=${encodeURIComponent('<i>x')}`);
    assert.equal(await page.locator('#usage').count(), 0);
  });

  it('follows a log while the program writes, on both channels', async () => {
    await page.goto(`${daemon.url}tail.html?processname=ticker`);
    assert.equal(await page.title(), 'Supervisor tail of process ticker');
    const lastTick = async () => {
      const ticks = [...(await page.locator('#log').textContent()).matchAll(/tick (\d+)/g)];
      return ticks.length ? Number(ticks[ticks.length - 1][1]) : 0;
    };
    const first = await lastTick();
    assert.ok(first > 0, 'the page shows the end of the log');
    await waitFor('new lines to arrive in the page', async () => (await lastTick()) >= first + 5);
    await page.screenshot({ path: join(artifactsDir(), 'tail.png') });

    await page.getByRole('link', { name: 'stderr' }).click();
    await page.waitForURL(/channel=stderr/);
    const warns = async () => [...(await page.locator('#log').textContent()).matchAll(/warn (\d+)/g)].length;
    const initial = await warns();
    await waitFor('new stderr lines', async () => (await warns()) > initial);
    assert.equal((await page.locator('#log').textContent()).includes('tick'), false);

    const download = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download' }).click(),
    ]).then(([d]) => d);
    assert.equal(download.suggestedFilename(), 'ticker-stderr.log');
  });

  it('stops all and restarts all', async () => {
    await page.goto(daemon.url);
    await markDocument();
    await page.getByRole('button', { name: 'Stop all' }).click();
    await page.locator('#message', { hasText: 'All stopped at' }).waitFor({ timeout: 20000 });
    for (const name of ALL) await waitState(name, 'stopped');
    await page.getByRole('button', { name: 'Restart all' }).click();
    await page.locator('#message', { hasText: 'All restarted at' }).waitFor({ timeout: 20000 });
    for (const name of ALL) await waitState(name, 'running');
    await assertSameDocument();
  });

  it('refuses a form posted by another web site', async () => {
    // The attacker even knows the form token: the browser's Origin still gives it away.
    const token = await (await daemon.fetch('')).text().then((h) => h.match(/csrf_token" value="([0-9a-f]+)/)[1]);
    const port = await freePort();
    const evil = createServer((req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<form id="f" method="post"
          action="${daemon.url}index.html?processname=sleeper&amp;action=stop">
          <input type="hidden" name="csrf_token" value="${token}"></form>
          <script>document.getElementById('f').submit()</script>`);
    });
    await new Promise((r) => evil.listen(port, '127.0.0.1', r));
    try {
      const [resp] = await Promise.all([
        page.waitForResponse((r) => r.url().includes('action=stop') && r.request().method() === 'POST'),
        page.goto(`http://localhost:${port}/`),
      ]);
      assert.equal(resp.status(), 403);
      await page.getByText('Request refused').waitFor();
      assert.equal(await daemon.state('sleeper'), 'RUNNING');
    } finally {
      await new Promise((r) => evil.close(r));
    }
  });

  it('refuses a legacy GET action link and offers to do it', async () => {
    const resp = await page.goto(`${daemon.url}index.html?processname=sleeper&action=stop`);
    assert.equal(resp.status(), 403);
    await page.getByText('Nothing was changed.').waitFor();
    await page.getByRole('heading', { name: 'Stop sleeper?' }).waitFor();
    assert.equal(await daemon.state('sleeper'), 'RUNNING');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('#message', { hasText: 'Process sleeper stopped' }).waitFor();
    await waitState('sleeper', 'stopped');
    assert.equal(await daemon.state('sleeper'), 'STOPPED');
  });

  it('works without JavaScript', async () => {
    const plain = await browser.newContext({
      javaScriptEnabled: false,
      httpCredentials: { username: USER, password: PASSWORD },
    });
    const p = await plain.newPage();
    await p.goto(daemon.url);
    await p.locator('tr.proc[data-name="sleeper"]').getByRole('button', { name: 'Start' }).click();
    await p.locator('#message', { hasText: 'Process sleeper started' }).waitFor();
    assert.match(p.url(), /\?message=Process%20sleeper%20started$/);
    assert.equal(await daemon.state('sleeper'), 'RUNNING');
    // The filter is a plain GET form without JavaScript.
    await p.locator('#filter').fill('ticker');
    await p.getByRole('button', { name: 'Filter' }).click();
    await p.waitForURL(/filter=ticker/);
    assert.equal(await p.locator('tr.proc').count(), 1);
    await plain.close();
  });
});
