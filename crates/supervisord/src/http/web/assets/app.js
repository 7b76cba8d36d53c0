// supervisor-rs web admin page: progressive enhancement only. Without this script every page
// still works by full page loads; with it the process list refreshes itself, actions run in
// place, groups collapse, the filter box filters as you type and logs are followed live.
(function () {
  'use strict';

  document.documentElement.classList.add('js');

  var POLL_MS = 2000;
  var live = document.getElementById('live');

  function setLive(text, lost) {
    if (!live) return;
    live.hidden = false;
    live.textContent = text;
    live.classList.toggle('lost', !!lost);
  }

  function readSet(key) {
    try {
      var list = JSON.parse(window.localStorage.getItem(key) || '[]');
      return new Set(Array.isArray(list) ? list : []);
    } catch (e) {
      return new Set();
    }
  }

  function writeSet(key, set) {
    try {
      window.localStorage.setItem(key, JSON.stringify(Array.from(set)));
    } catch (e) {
      // Storage may be disabled; collapsing then lasts until the next page load.
    }
  }

  // ---------------------------------------------------------------- status page

  function initStatus(procs) {
    var form = document.getElementById('actions');
    var filter = document.getElementById('filter');
    var filterForm = document.getElementById('filterform');
    var message = document.getElementById('message');
    var COLLAPSED = 'supervisor-rs.collapsed';
    var collapsed = readSet(COLLAPSED);
    var pending = new Set();   // formaction URLs of actions still running
    var generation = 0;        // bumped by every swap, so stale poll answers are dropped
    var cpuSeen = {};          // namespec -> {pid, cpu, t}: the last CPU reading of each row

    // The server sends CPU time so far; two readings of the same pid make a percentage.
    function cpuPercent() {
      var now = Date.now();
      var seen = {};
      procs.querySelectorAll('tr.proc').forEach(function (tr) {
        var td = tr.querySelector('td.cpu[data-cpu]');
        if (!td) return;
        var reading = { pid: td.dataset.pid, cpu: parseFloat(td.dataset.cpu), t: now };
        var before = cpuSeen[tr.dataset.name];
        seen[tr.dataset.name] = reading;
        if (!before || before.pid !== reading.pid || reading.t <= before.t) return;
        var pct = 100 * (reading.cpu - before.cpu) / ((reading.t - before.t) / 1000);
        td.title = 'CPU time so far: ' + td.textContent;
        td.textContent = Math.max(0, pct).toFixed(1) + '%';
        td.classList.add('pct');
      });
      cpuSeen = seen;
    }

    function filterText() {
      return filter ? filter.value.trim().toLowerCase() : '';
    }

    function membersOf(group) {
      var found = null;
      procs.querySelectorAll('tbody.members').forEach(function (tb) {
        if (tb.dataset.group === group) found = tb;
      });
      return found;
    }

    function apply() {
      var f = filterText();
      var shown = 0;
      procs.querySelectorAll('tr.proc').forEach(function (tr) {
        var match = !f || tr.dataset.name.toLowerCase().indexOf(f) !== -1;
        tr.hidden = !match;
        if (match) shown += 1;
      });
      procs.querySelectorAll('tbody.group').forEach(function (tb) {
        var members = membersOf(tb.dataset.group);
        tb.hidden = !!f && !(members && members.querySelector('tr.proc:not([hidden])'));
      });
      procs.querySelectorAll('button.toggle').forEach(function (btn) {
        // While filtering, matches are shown even inside collapsed groups.
        var closed = collapsed.has(btn.dataset.group) && !f;
        btn.setAttribute('aria-expanded', String(!closed));
        var members = membersOf(btn.dataset.group);
        if (members) members.hidden = closed;
      });
      var nomatch = procs.querySelector('.nomatch');
      if (nomatch) nomatch.hidden = !(f && shown === 0);
      procs.querySelectorAll('button[formaction]').forEach(function (btn) {
        var busy = pending.has(btn.formAction);
        btn.disabled = busy;
        if (busy) btn.setAttribute('aria-busy', 'true');
      });
    }

    // Replaces the list, keeping keyboard focus on the equivalent control.
    function swap(html) {
      var active = document.activeElement;
      var focusKey = null;
      if (active && procs.contains(active)) {
        focusKey = active.getAttribute('formaction') || active.getAttribute('href') ||
          (active.dataset && active.dataset.group);
      }
      procs.innerHTML = html;
      generation += 1;
      apply();
      cpuPercent();
      if (focusKey) {
        var again = Array.prototype.find.call(
          procs.querySelectorAll('button, a'),
          function (el) {
            return el.getAttribute('formaction') === focusKey ||
              el.getAttribute('href') === focusKey || el.dataset.group === focusKey;
          });
        if (again) again.focus();
      }
    }

    function showMessage(text, isError) {
      if (!message) return;
      message.textContent = text;
      message.hidden = !text;
      message.classList.toggle('error-msg', !!isError);
    }

    procs.addEventListener('click', function (ev) {
      var btn = ev.target.closest('button.toggle');
      if (!btn) return;
      var group = btn.dataset.group;
      if (collapsed.has(group)) collapsed.delete(group); else collapsed.add(group);
      writeSet(COLLAPSED, collapsed);
      apply();
    });

    if (filter) {
      filter.addEventListener('input', function () {
        apply();
        var url = new URL(window.location.href);
        url.searchParams.delete('message');
        if (filter.value.trim()) url.searchParams.set('filter', filter.value.trim());
        else url.searchParams.delete('filter');
        window.history.replaceState(null, '', url);
      });
    }
    if (filterForm) {
      filterForm.addEventListener('submit', function (ev) { ev.preventDefault(); });
    }

    // A message shown once should not come back on reload.
    if (window.location.search.indexOf('message=') !== -1) {
      var clean = new URL(window.location.href);
      clean.searchParams.delete('message');
      window.history.replaceState(null, '', clean);
    }

    form.addEventListener('submit', function (ev) {
      var btn = ev.submitter;
      if (!btn || !btn.getAttribute('formaction')) return;
      ev.preventDefault();
      if (btn.dataset.confirm && !window.confirm(btn.dataset.confirm)) return;
      var target = btn.formAction;
      pending.add(target);
      apply();
      fetch(target, {
        method: 'POST',
        body: new URLSearchParams(new FormData(form)),
        credentials: 'same-origin',
      }).then(function (resp) {
        return resp.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, 'text/html');
          var fresh = doc.getElementById('procs');
          pending.delete(target);
          if (resp.ok && fresh) {
            var msg = doc.getElementById('message');
            showMessage(msg ? msg.textContent : '', !!msg && msg.classList.contains('error-msg'));
            swap(fresh.innerHTML);
          } else {
            var detail = doc.querySelector('.card p');
            showMessage((detail ? detail.textContent : 'Request failed') + ' (HTTP ' + resp.status + ')', true);
            apply();
          }
        });
      }).catch(function (err) {
        pending.delete(target);
        showMessage('Request failed: ' + err.message, true);
        apply();
      });
    });

    var interval = POLL_MS;

    function poll() {
      if (document.hidden) {
        window.setTimeout(poll, POLL_MS);
        return;
      }
      var started = generation;
      fetch('ui/procs', { cache: 'no-store', credentials: 'same-origin' })
        .then(function (resp) {
          if (!resp.ok) throw new Error('HTTP ' + resp.status);
          return resp.text();
        })
        .then(function (html) {
          if (started === generation) swap(html);
          setLive('Live \u00b7 ' + new Date().toLocaleTimeString());
          // A long list (hundreds of programs) is fetched less often: 2 s plus 1 s per 100 kB.
          interval = Math.min(10000, POLL_MS + Math.round(html.length / 100));
        })
        .catch(function () {
          setLive('Connection lost, retrying\u2026', true);
        })
        .then(function () {
          window.setTimeout(poll, interval);
        });
    }

    document.addEventListener('visibilitychange', function () {
      if (!document.hidden) setLive('Live');
    });

    apply();
    cpuPercent();
    setLive('Live');
    window.setTimeout(poll, POLL_MS);
  }

  // ---------------------------------------------------------------- tail page

  function initLog(pre) {
    var url = pre.dataset.follow;
    var box = document.getElementById('follow');
    var MAX_CHARS = 2000000;
    var controller = null;
    var retry = null;

    function nearBottom() {
      return pre.scrollHeight - pre.scrollTop - pre.clientHeight < 48;
    }

    function append(text, marker) {
      if (!text) return;
      var stick = nearBottom();
      var node = document.createTextNode(text);
      if (marker) {
        var span = document.createElement('span');
        span.className = 'marker';
        span.appendChild(node);
        pre.appendChild(span);
      } else {
        pre.appendChild(node);
      }
      if (pre.textContent.length > MAX_CHARS) {
        // Keep the newest half; the whole log is one click away (Download).
        pre.textContent = pre.textContent.slice(-MAX_CHARS / 2);
      }
      if (stick) pre.scrollTop = pre.scrollHeight;
    }

    function follow(from) {
      controller = new AbortController();
      var own = controller;
      fetch(from, { cache: 'no-store', credentials: 'same-origin', signal: own.signal })
        .then(function (resp) {
          if (!resp.ok || !resp.body) throw new Error('HTTP ' + resp.status);
          setLive('Following');
          var reader = resp.body.getReader();
          var decoder = new TextDecoder();
          function next() {
            return reader.read().then(function (chunk) {
              if (chunk.done) throw new Error('stream ended');
              append(decoder.decode(chunk.value, { stream: true }));
              return next();
            });
          }
          return next();
        })
        .catch(function () {
          if (own.signal.aborted) return;
          setLive('Connection lost, retrying\u2026', true);
          retry = window.setTimeout(function () {
            append('\n==> reconnected; output written meanwhile is not shown <==\n', true);
            // Without an offset the stream starts at the current end of the file.
            follow(url.replace(/&offset=\d+/, ''));
          }, 1000);
        });
    }

    function stop() {
      if (controller) controller.abort();
      if (retry) window.clearTimeout(retry);
      controller = null;
      setLive('Paused');
    }

    pre.scrollTop = pre.scrollHeight;
    if (!url || !box) return;
    var resumeFromEnd = false;
    box.addEventListener('change', function () {
      if (box.checked) {
        follow(resumeFromEnd ? url.replace(/&offset=\d+/, '') : url);
      } else {
        stop();
        resumeFromEnd = true;
      }
    });
    if (box.checked) follow(url);
  }

  // ---------------------------------------------------------------- usage chart (tail page)

  // Reads the process from the JSON API every 2 s while the page is visible, and draws the last
  // five minutes of CPU % and memory. Nothing samples when no page is open.
  function initUsage(panel) {
    var POLL_MS = 2000;
    var KEEP = 150;          // five minutes of readings
    var points = [];         // {t, cpu (%), rss (bytes)}
    var last = null;         // {pid, cpu seconds, t}
    var cpuNow = document.getElementById('cpu-now');
    var memNow = document.getElementById('mem-now');
    if (cpuNow) {
      last = { pid: cpuNow.dataset.pid, cpu: parseFloat(cpuNow.dataset.cpu), t: Date.now() };
    }

    function size(n) {
      var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
      var i = 0;
      while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
      return i === 0 ? n + ' B' : n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0) + ' ' + units[i];
    }

    function draw(id, key) {
      var line = document.querySelector('#' + id + ' polyline');
      if (!line || points.length === 0) return;
      var max = Math.max.apply(null, points.map(function (p) { return p[key]; }));
      if (!(max > 0)) max = 1;
      line.setAttribute('points', points.map(function (p, i) {
        var x = (300 * (KEEP - points.length + i)) / (KEEP - 1);
        var y = 38 - (36 * p[key]) / max;
        return x.toFixed(1) + ',' + y.toFixed(1);
      }).join(' '));
    }

    function reading(p) {
      var now = Date.now();
      var u = p.resources;
      if (!u) {
        if (cpuNow) cpuNow.textContent = '\u2013';
        if (memNow) memNow.textContent = '\u2013';
        last = null;
        return;
      }
      var pid = String(p.pid);
      if (last && last.pid === pid && now > last.t) {
        var pct = Math.max(0, (100 * (u.cpu_seconds - last.cpu)) / ((now - last.t) / 1000));
        points.push({ t: now, cpu: pct, rss: u.rss_bytes });
        if (points.length > KEEP) points.shift();
        if (cpuNow) cpuNow.textContent = pct.toFixed(1) + '%';
        panel.classList.add('live');
      }
      last = { pid: pid, cpu: u.cpu_seconds, t: now };
      if (memNow) memNow.textContent = size(u.rss_bytes);
      draw('cpu-chart', 'cpu');
      draw('mem-chart', 'rss');
    }

    function poll() {
      if (document.hidden) {
        window.setTimeout(poll, POLL_MS);
        return;
      }
      fetch(panel.dataset.api, { cache: 'no-store', credentials: 'same-origin' })
        .then(function (resp) {
          if (!resp.ok) throw new Error('HTTP ' + resp.status);
          return resp.json();
        })
        .then(reading)
        .catch(function () {})
        .then(function () { window.setTimeout(poll, POLL_MS); });
    }
    window.setTimeout(poll, POLL_MS);
  }

  var procs = document.getElementById('procs');
  if (procs && document.getElementById('actions')) initStatus(procs);
  var log = document.getElementById('log');
  if (log) initLog(log);
  var usage = document.getElementById('usage');
  if (usage) initUsage(usage);
})();
