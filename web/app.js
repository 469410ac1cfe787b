// exoaudit console: plain JavaScript, no external resources, no inline script.
// Untrusted text is only ever set through textContent (never innerHTML).
'use strict';
(function () {
  const API = '/api/v1';
  let csrf = null, me = null;
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k instanceof Node ? k : String(k));
    return e;
  }

  async function api(method, path, body) {
    const h = {};
    if (method !== 'GET') { if (csrf) h['X-CSRF-Token'] = csrf; }
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const r = await fetch(API + path, { method, headers: h, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body) });
    let j = null;
    try { j = await r.json(); } catch (e) { j = null; }
    if (r.status === 401 && path !== '/login') { showLogin(); throw new Error('not logged in'); }
    if (!r.ok) throw new Error((j && j.error && j.error.message) || ('HTTP ' + r.status));
    return j;
  }

  function parseHash() {
    const h = location.hash.replace(/^#/, '') || '/search';
    const q = h.indexOf('?');
    const path = q < 0 ? h : h.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : h.slice(q + 1));
    return { path, params };
  }
  function go(path, params) {
    const s = params && params.toString();
    location.hash = '#' + path + (s ? '?' + s : '');
  }

  function view(title, ...kids) {
    const v = $('view');
    v.replaceChildren(el('h1', { text: title }), ...kids);
    v.hidden = false;
    $('login-view').hidden = true;
    $('top').hidden = false;
    return v;
  }
  function errorBox(e) { return el('p', { class: 'error', role: 'alert', text: String(e.message || e) }); }

  // ---- login ----
  function showLogin() {
    $('top').hidden = true;
    $('view').hidden = true;
    $('login-view').hidden = false;
    $('login-user').focus();
  }
  async function login(ev) {
    ev.preventDefault();
    $('login-error').textContent = '';
    try {
      const j = await api('POST', '/login', { user: $('login-user').value, password: $('login-password').value });
      csrf = j.csrf_token; me = j;
      $('login-password').value = '';
      $('who').textContent = j.user + ' (' + j.role + ')';
      route();
    } catch (e) { $('login-error').textContent = e.message; }
  }
  async function logout() {
    try { await api('POST', '/logout'); } catch (e) { /* ignore */ }
    csrf = null; me = null; showLogin();
  }

  // ---- search ----
  const FILTERS = [
    ['q', 'Text'], ['operation', 'Operation'], ['actor', 'Actor'], ['mailbox', 'Mailbox'],
    ['object', 'Object'], ['param', 'Parameter (NAME[=VALUE])'], ['ip', 'Client IP / CIDR'],
    ['workload', 'Workload'], ['record_type', 'Record type'], ['since', 'Since (7d, RFC 3339)'],
    ['until', 'Until'], ['tenant', 'Tenant']];
  const CHOICES = {
    category: ['', 'admin_op', 'mailbox_access', 'mailbox_permission', 'inbox_rule', 'audit_config', 'sign_in', 'file', 'account', 'collector', 'self_audit', 'other'],
    logon_type: ['', 'owner', 'admin', 'delegate', 'delegated_admin', 'transport', 'system'],
    result: ['', 'success', 'failure'], external: ['', 'yes', 'no'], include_system: ['', 'yes'],
    order: ['', 'oldest']};

  function filterForm(params, onsubmit) {
    const f = el('form', { class: 'filters', id: 'search-form' });
    for (const [k, label] of FILTERS) {
      const i = el('input', { name: k, id: 'f-' + k, value: params.get(k) || '' });
      f.append(el('label', {}, label, i));
    }
    for (const [k, opts] of Object.entries(CHOICES)) {
      const s = el('select', { name: k, id: 'f-' + k });
      for (const o of opts) {
        const op = el('option', { value: o, text: o || '(any)' });
        if ((params.get(k) || '') === o) op.selected = true;
        s.append(op);
      }
      f.append(el('label', {}, k.replace('_', ' '), s));
    }
    f.append(el('button', { type: 'submit', id: 'search-submit', text: 'Search' }));
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const p = new URLSearchParams();
      for (const x of new FormData(f)) if (x[1]) p.set(x[0], x[1]);
      onsubmit(p);
    });
    return f;
  }

  function fmtTime(t) { return t ? t.replace('T', ' ').replace('Z', '') : ''; }

  function eventTable(events, container) {
    const tb = el('tbody');
    for (const e of events) {
      const tr = el('tr', { tabindex: '0', 'data-id': e.record_id },
        el('td', { text: fmtTime(e.occurred_at) }), el('td', { text: e.actor || '' }),
        el('td', { text: e.operation || '' }), el('td', { text: e.mailbox || '' }),
        el('td', { text: e.logon_type || '' }), el('td', { text: e.result || '' }),
        el('td', { text: e.client_ip || '' }));
      tr.addEventListener('click', () => go('/event/' + encodeURIComponent(e.record_id)));
      tr.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') go('/event/' + encodeURIComponent(e.record_id)); });
      tb.append(tr);
    }
    const t = el('table', { id: 'results' }, el('thead', {}, el('tr', {}, ...['When (UTC)', 'Actor', 'Operation', 'Mailbox', 'Logon', 'Result', 'IP'].map((h) => el('th', { text: h })))), tb);
    container.append(t);
  }

  async function searchView(params) {
    const results = el('div', { id: 'search-results' });
    const facets = el('div', { class: 'facets', id: 'facets' });
    const chart = el('div', { class: 'chart', id: 'chart', title: 'activity over time' });
    view('Search', filterForm(params, (p) => go('/search', p)), chart, facets, results);
    const qs = params.toString();
    try {
      const [r, f] = await Promise.all([api('GET', '/events?' + qs), api('GET', '/events/facets?' + qs)]);
      results.append(el('p', { class: 'muted', id: 'result-count', text: r.count + ' event(s) on this page' + (r.next_cursor ? ', more available' : '') }));
      eventTable(r.events, results);
      if (r.next_cursor) {
        const p = new URLSearchParams(params); p.set('cursor', r.next_cursor);
        results.append(el('p', { class: 'pager' }, el('a', { href: '#/search?' + p.toString(), id: 'next-page', text: 'Next page →' })));
      }
      for (const [name, vals] of Object.entries(f.facets)) {
        const key = name;
        const box = el('div', { class: 'facet' }, el('h3', { text: name.replace('_', ' ') + (f.complete ? '' : ' (first ' + f.sampled + ')') }));
        for (const v of vals) {
          const p = new URLSearchParams(params); p.delete('cursor');
          if (v.value) p.set(key, v.value);
          box.append(el('a', { href: '#/search?' + p.toString(), text: (v.value || '(none)') + ' — ' + v.count }));
        }
        facets.append(box);
      }
      const counts = (f.histogram && f.histogram.counts) || [];
      const max = Math.max(1, ...counts);
      for (const c of counts) chart.append(el('div', { title: String(c) }));
      Array.from(chart.children).forEach((d, i) => { d.style.height = (100 * counts[i] / max) + '%'; });
    } catch (e) { results.append(errorBox(e)); }
  }

  // ---- event detail ----
  function dl(pairs) {
    const d = el('dl', { class: 'detail' });
    for (const [k, v, href] of pairs) {
      if (v === null || v === undefined || v === '') continue;
      d.append(el('dt', { text: k }), el('dd', {}, href ? el('a', { href, text: String(v) }) : String(v)));
    }
    return d;
  }
  async function eventView(id) {
    const v = view('Event');
    try {
      const r = await api('GET', '/events/' + encodeURIComponent(id));
      for (const e of r.events) {
        v.append(el('h2', { text: 'Who' }), dl([['Actor', e.actor, e.actor && '#/timeline?actor=' + encodeURIComponent(e.actor)], ['Actor type', e.actor_type], ['Actor SID', e.actor_sid], ['App', e.app_id]]),
          el('h2', { text: 'What' }), dl([['Operation', e.operation], ['Activity', e.activity], ['Category', e.category], ['Result', e.result], ['Logon type', e.logon_type], ['Mailbox', e.mailbox, e.mailbox && '#/timeline?mailbox=' + encodeURIComponent(e.mailbox)], ['Object', e.object], ['Grantee', e.grantee], ['Rights', e.rights], ['Item', e.item], ['Folder', e.folder]]),
          el('h2', { text: 'When' }), dl([['Occurred (UTC)', fmtTime(e.occurred_at)], ['Collected', fmtTime(e.collected_at)]]),
          el('h2', { text: 'Where' }), dl([['Client IP', e.client_ip], ['Client', e.client_info], ['Server', e.originating_server], ['External access', e.external_access], ['Session', e.session_id]]),
          el('h2', { text: 'Parameters' }), el('pre', { text: JSON.stringify(e.parameters, null, 2) }),
          el('h2', { text: 'Raw record' }), el('pre', { id: 'raw', text: JSON.stringify(e.raw, null, 2) }),
          el('p', { class: 'muted', text: 'record ' + e.record_id + ', tenant ' + e.tenant_id + ', seq ' + e.seq + ', duplicates ' + e.duplicates }));
      }
    } catch (e) { v.append(errorBox(e)); }
  }

  // ---- timeline ----
  async function timelineView(params) {
    const who = params.get('actor') ? 'person ' + params.get('actor') : 'mailbox ' + params.get('mailbox');
    const v = view('Timeline of ' + who);
    try {
      const p = new URLSearchParams(params); if (!p.get('limit')) p.set('limit', '500');
      const r = await api('GET', '/timeline?' + p.toString());
      let day = null, list = null;
      for (const e of r.events) {
        const d = (e.occurred_at || '').slice(0, 10);
        if (d !== day) { day = d; list = el('ul'); v.append(el('h2', { text: d }), list); }
        const li = el('li', {}, el('a', { href: '#/event/' + encodeURIComponent(e.record_id), text: fmtTime(e.occurred_at).slice(11) + ' ' + (e.operation || '') }),
          ' ' + (e.actor || '') + (e.mailbox ? ' → ' + e.mailbox : '') + (e.client_ip ? ' from ' + e.client_ip : ''));
        list.append(li);
      }
      if (!r.events.length) v.append(el('p', { text: 'No events.' }));
      if (r.next_cursor) { p.set('cursor', r.next_cursor); v.append(el('a', { href: '#/timeline?' + p.toString(), text: 'Later →' })); }
    } catch (e) { v.append(errorBox(e)); }
  }

  // ---- alerts ----
  const SEV = ['', 'informational', 'low', 'medium', 'high', 'critical'];
  async function alertsView(params) {
    const v = view('Alerts');
    const status = el('select', { id: 'alert-status', 'aria-label': 'status' });
    for (const o of ['', 'open', 'acknowledged', 'closed', 'all']) {
      const op = el('option', { value: o, text: o || 'open + acknowledged' });
      if ((params.get('status') || '') === o) op.selected = true;
      status.append(op);
    }
    const sev = el('select', { id: 'alert-severity', 'aria-label': 'minimum severity' });
    for (const o of SEV) {
      const op = el('option', { value: o, text: o || '(any severity)' });
      if ((params.get('min_severity') || '') === o) op.selected = true;
      sev.append(op);
    }
    const f = el('form', { class: 'filters', id: 'alert-form' }, el('label', {}, 'Status ', status), el('label', {}, 'Severity ', sev),
      el('button', { type: 'submit', text: 'Show' }));
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const p = new URLSearchParams();
      if (status.value) p.set('status', status.value);
      if (sev.value) p.set('min_severity', sev.value);
      go('/alerts', p);
    });
    v.append(f);
    try {
      const q = new URLSearchParams();
      for (const k of ['status', 'min_severity', 'rule']) if (params.get(k)) q.set(k, params.get(k));
      const r = await api('GET', '/alerts?' + q.toString());
      const tb = el('tbody');
      const canAct = me && me.role !== 'viewer';
      for (const a of r.alerts) {
        const note = el('input', { placeholder: 'comment', 'aria-label': 'comment on alert ' + a.id, class: 'note' });
        const acts = el('td', {});
        if (canAct) {
          if (a.status === 'open') {
            acts.append(el('button', { class: 'ack', type: 'button', text: 'Acknowledge', onclick: async () => { try { await api('POST', '/alerts/' + a.id + '/ack'); alertsView(params); } catch (e) { v.append(errorBox(e)); } } }));
          }
          const send = async () => { if (!note.value) return; try { await api('POST', '/alerts/' + a.id + '/comment', { text: note.value }); alertsView(params); } catch (e) { v.append(errorBox(e)); } };
          note.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') send(); });
          acts.append(note, el('button', { type: 'button', class: 'comment', text: 'Comment', onclick: send }));
        }
        const comments = (a.comments || []).map((c) => fmtTime(c.at) + ' ' + c.who + ': ' + c.text).join('\n');
        tb.append(el('tr', { tabindex: '0', 'data-id': String(a.id), class: 'status-' + a.status },
          el('td', { text: a.id }), el('td', { class: 'sev-' + a.severity, text: a.severity || '' }),
          el('td', {}, el('strong', { text: a.title || a.rule_id || '' }), el('br'), el('small', { text: (a.summary || a.group || '') + ' — by ' + (a.author || '?') + (a.license ? ' (' + a.license + ')' : '') })),
          el('td', { text: a.status || '' }), el('td', { text: a.count }), el('td', { text: fmtTime(a.last_at) }),
          el('td', {}, ...(a.seqs || []).slice(0, 5).map((sq) => el('a', { href: '#/event/' + sq, text: '#' + sq + ' ' }))),
          el('td', { class: 'comments', text: comments }), acts));
      }
      v.append(el('p', { class: 'muted', id: 'alert-count', text: r.count + ' alert(s)' }));
      v.append(el('table', { id: 'alerts' }, el('thead', {}, el('tr', {}, ...['Id', 'Severity', 'Rule', 'Status', 'Events', 'Last (UTC)', 'Triggering events', 'Comments', ''].map((h) => el('th', { text: h })))), tb));
    } catch (e) { v.append(errorBox(e)); }
  }

  // ---- rules ----
  async function rulesView() {
    const v = view('Rules');
    if (me && me.role === 'admin') {
      const out = el('span', { id: 'reload-result', role: 'status' });
      v.append(el('p', {}, el('button', { id: 'rules-reload', type: 'button', text: 'Reload rules', onclick: async () => { try { const r = await api('POST', '/rules/reload'); out.textContent = r.rules + ' rules loaded at ' + fmtTime(r.loaded_at); } catch (e) { out.textContent = e.message; } } }), ' ', out));
    }
    try {
      const r = await api('GET', '/rules');
      const tb = el('tbody');
      for (const x of r.rules) {
        const p = new URLSearchParams(); p.set('status', 'all'); p.set('rule', x.id || x.name);
        tb.append(el('tr', { tabindex: '0' }, el('td', {}, el('a', { href: '#/alerts?' + p.toString(), text: x.id || x.name || '' })),
          el('td', { text: x.level || '' }), el('td', { text: x.kind }), el('td', { text: x.alerts ? 'yes' : 'no' }),
          el('td', { text: x.title || '' }), el('td', { text: (x.author || '') + (x.license ? ' (' + x.license + ')' : '') }), el('td', { text: (x.tags || []).join(', ') })));
      }
      v.append(el('p', { class: 'muted', text: r.rules.length + ' rule(s)' }),
        el('table', { id: 'rules' }, el('thead', {}, el('tr', {}, ...['Id', 'Level', 'Kind', 'Alerts', 'Title', 'Author', 'Tags'].map((h) => el('th', { text: h })))), tb));
    } catch (e) { v.append(errorBox(e)); }
  }

  // ---- exports ----
  async function exportsView(params) {
    const v = view('Evidence export');
    v.append(el('p', { text: 'Writes the matching records as a self-verifying evidence bundle on the server (check it with exoaudit verify --bundle). Download it as a tar file.' }));
    const out = el('div', { id: 'export-result', role: 'status' });
    v.append(filterForm(params, async (p) => {
      p.delete('order');
      history.replaceState(null, '', '#/exports' + (p.toString() ? '?' + p.toString() : ''));
      out.replaceChildren(el('p', { text: 'Exporting…' }));
      try {
        const r = await api('POST', '/exports?' + p.toString());
        out.replaceChildren(el('p', {}, r.records + ' record(s) in ', el('a', { id: 'export-download', href: API + '/exports/' + encodeURIComponent(r.name), text: r.name + '.tar' }), r.signed ? ' (signed)' : ' (unsigned: no private key)'));
        listExports();
      } catch (e) { out.replaceChildren(errorBox(e)); }
    }));
    const btn = v.querySelector('#search-submit'); if (btn) btn.textContent = 'Export';
    const list = el('ul', { id: 'export-list' });
    v.append(out, el('h2', { text: 'Earlier exports' }), list);
    async function listExports() {
      try {
        const r = await api('GET', '/exports');
        list.replaceChildren(...r.exports.map((x) => el('li', {}, el('a', { href: API + '/exports/' + encodeURIComponent(x.name), text: x.name + '.tar' }))));
      } catch (e) { list.replaceChildren(errorBox(e)); }
    }
    listExports();
  }

  // ---- reports ----
  function docTables(doc) {
    const out = el('div', { id: 'report-doc' });
    for (const s of doc.sections || []) {
      out.append(el('h2', { text: s.title || s.id }));
      const cols = s.columns || [];
      const tb = el('tbody');
      for (const row of (s.rows || []).slice(0, 500)) {
        const cells = Array.isArray(row) ? row : cols.map((c) => row[c.id || c]);
        tb.append(el('tr', {}, ...cells.map((c) => el('td', { text: c == null ? '' : String(c) }))));
      }
      out.append(el('table', {}, el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', { text: c.label || c.id || String(c) })))), tb));
    }
    return out;
  }
  async function reportsView(params) {
    const v = view('Reports');
    try {
      const r = await api('GET', '/reports');
      const sel = el('select', { id: 'report-name' });
      for (const x of r.reports) {
        const o = el('option', { value: x.name, text: x.title });
        if (params.get('name') === x.name) o.selected = true;
        sel.append(o);
      }
      const since = el('input', { id: 'report-since', value: params.get('since') || '', placeholder: '30d' });
      const run = el('button', { id: 'report-run', text: 'Run' });
      run.addEventListener('click', () => { const p = new URLSearchParams(); p.set('name', sel.value); if (since.value) p.set('since', since.value); go('/reports', p); });
      v.append(el('p', {}, el('label', {}, 'Report ', sel), ' ', el('label', {}, 'Since ', since), ' ', run));
      const name = params.get('name');
      if (name) {
        const q = new URLSearchParams(); if (params.get('since')) q.set('since', params.get('since'));
        const base = API + '/reports/' + encodeURIComponent(name) + '?' + q.toString();
        v.append(el('p', {}, 'Download: ', el('a', { id: 'dl-csv', href: base + '&format=csv&download=1', text: 'CSV' }), ' · ',
          el('a', { id: 'dl-html', href: base + '&format=html&download=1', text: 'HTML' }), ' · ',
          el('a', { id: 'dl-json', href: base + '&format=json&download=1', text: 'JSON' })));
        const doc = await api('GET', '/reports/' + encodeURIComponent(name) + '?' + q.toString() + '&format=json');
        v.append(docTables(doc));
      }
    } catch (e) { v.append(errorBox(e)); }
  }

  // ---- posture ----
  function postureResult(r, box) {
    const tb = el('tbody');
    for (const f of r.findings) {
      tb.append(el('tr', { tabindex: '0' }, el('td', { class: 'sev-' + f.severity, text: f.severity }), el('td', { text: f.id }), el('td', { text: f.object || '' }),
        el('td', { text: (f.setting || '') + (f.value ? ' = ' + f.value : '') }), el('td', { text: f.explanation || '' }), el('td', {}, el('code', { text: f.remediation || '' }))));
    }
    const blob = new Blob([r.script || ''], { type: 'text/plain' });
    box.replaceChildren(el('p', { class: 'muted', id: 'posture-count', text: r.count + ' finding(s) from ' + r.files.join(', ') + ', evaluated ' + fmtTime(r.evaluated_at) + ' by ' + r.evaluated_by }),
      el('table', { id: 'findings' }, el('thead', {}, el('tr', {}, ...['Severity', 'Finding', 'Object', 'Setting', 'Why', 'Fix'].map((h) => el('th', { text: h })))), tb),
      el('h2', { text: 'Remediation script' }), el('p', {}, el('a', { id: 'posture-script', href: URL.createObjectURL(blob), download: 'remediation.ps1', text: 'Download remediation.ps1' }), ' — review it before running it.'),
      el('pre', { text: r.script || '' }));
  }
  async function postureView() {
    const v = view('Posture');
    v.append(el('p', { text: 'Upload the exported settings (Get-AdminAuditLogConfig, Get-OrganizationConfig, Get-Mailbox, Get-MailboxAuditBypassAssociation; JSON or CSV, together at most 256 KiB; scripts/export-exo-audit-config.ps1 writes them).' }));
    const input = el('input', { type: 'file', id: 'posture-files', multiple: 'multiple', accept: '.json,.csv,.txt' });
    const box = el('div', { id: 'posture-result' });
    const form = el('form', { id: 'posture-form' }, el('label', {}, 'Exported files ', input), ' ', el('button', { type: 'submit', id: 'posture-run', text: 'Evaluate' }));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const files = await Promise.all(Array.from(input.files).map(async (f) => ({ name: f.name, content: await f.text() })));
        postureResult(await api('POST', '/posture', { files }), box);
      } catch (e) { box.replaceChildren(errorBox(e)); }
    });
    v.append(form, box);
    try { postureResult(await api('GET', '/posture'), box); } catch (e) { box.replaceChildren(el('p', { class: 'muted', text: e.message })); }
  }

  // ---- status ----
  async function statusView() {
    const v = view('Status');
    const box = (title, id) => { const d = el('div', { class: 'card', id }, el('h2', { text: title })); v.append(d); return d; };
    const comp = box('Components', 'st-components'), c = box('Collector', 'st-collector'), cov = box('Coverage', 'st-coverage'), i = box('Integrity', 'st-integrity');
    try {
      const s = await api('GET', '/status');
      const tb = el('tbody');
      for (const [name, x] of Object.entries(s.components)) {
        tb.append(el('tr', { tabindex: '0', id: 'comp-' + name }, el('th', { text: name }), el('td', { class: 'state-' + x.state, text: x.state }),
          el('td', { text: x.count != null ? x.count + ' rules' : (x.done != null ? String(x.done) : '') }), el('td', { text: fmtTime(x.last_ok_at || x.loaded_at || '') }),
          el('td', { text: x.last_error || x.note || '' })));
      }
      comp.append(el('p', { text: s.archive.events + ' events, last seq ' + s.archive.max_seq + ', detection cursor ' + s.detection_cursor + ' (lag ' + s.detection_lag + '), ' + s.archive.quarantined + ' quarantined' }),
        el('table', { id: 'components' }, el('thead', {}, el('tr', {}, ...['Component', 'State', 'Done', 'Last ok (UTC)', 'Last error / note'].map((h) => el('th', { text: h })))), tb));
      for (const d of s.destinations) comp.append(el('p', { text: 'destination ' + d.name + ': sent ' + d.sent + ', spooled ' + d.spooled + ', failures ' + d.failures + (d.last_error ? ', last error: ' + d.last_error : '') }));
    } catch (e) { comp.append(errorBox(e)); }
    try {
      const r = await api('GET', '/collector/status');
      const th = (cols) => el('thead', {}, el('tr', {}, ...cols.map((h) => el('th', { text: h }))));
      if (!r.streams.length) c.append(el('p', { class: 'muted', text: 'Nothing collected yet (collect.tenants, docs/COLLECTOR.md).' }));
      else c.append(el('table', { id: 'collector-streams' }, th(['Tenant', 'Content type', 'Listed until (UTC)', 'Lag', 'Listed', 'Fetched', 'Failed', 'Expired', 'Records', 'Dups', 'Open gaps', 'Last error']),
        el('tbody', {}, ...r.streams.map((x) => el('tr', { tabindex: '0' }, el('td', { text: x.tenant_id }), el('th', { text: x.content_type }), el('td', { text: fmtTime(x.listed_until || '') }),
          el('td', { text: x.lag_seconds == null ? '' : Math.floor(x.lag_seconds / 60) + 'm' }), ...['blobs_listed', 'blobs_fetched', 'blobs_failed', 'blobs_expired', 'records', 'duplicates', 'open_gaps'].map((k) => el('td', { text: String(x[k]) })),
          el('td', { text: x.last_error ? x.last_error + ' (' + fmtTime(x.last_error_at || '') + ')' : '' }))))));
      if (r.gaps.length) c.append(el('h3', { text: 'Gaps (open and expired)' }), el('table', { id: 'collector-gaps' }, th(['Status', 'Tenant', 'Content type', 'Blob / window', 'Deadline (UTC)', 'Tries', 'Reason']),
        el('tbody', {}, ...r.gaps.map((g) => el('tr', {}, el('td', { class: 'state-' + g.status, text: g.status }), el('td', { text: g.tenant_id }), el('td', { text: g.content_type }),
          el('td', { text: g.content_id || fmtTime(g.start || '') + ' – ' + fmtTime(g.end || '') }), el('td', { text: fmtTime(g.deadline || '') }), el('td', { text: String(g.tries) }), el('td', { text: g.reason || '' }))))));
    } catch (e) { c.append(errorBox(e)); }
    try {
      const r = await api('GET', '/collector/coverage');
      cov.append(dl(Object.entries(r.summary || {}).map(([k, x]) => [k, x])), el('p', {}, el('a', { href: '#/reports?name=coverage', text: 'Full coverage report' })));
    } catch (e) { cov.append(errorBox(e)); }
    i.append(el('button', { id: 'verify', type: 'button', text: 'Verify now', onclick: async () => { try { const r = await api('POST', '/integrity/verify'); i.append(el('pre', { text: JSON.stringify(r.summary, null, 2) })); } catch (e) { i.append(errorBox(e)); } } }));
  }

  async function route() {
    if (!csrf) {
      try { const s = await api('GET', '/session'); csrf = s.csrf_token; me = s; $('who').textContent = s.user + ' (' + s.role + ')'; } catch (e) { return; }
    }
    const { path, params } = parseHash();
    if (path.startsWith('/event/')) return eventView(decodeURIComponent(path.slice(7)));
    switch (path) {
      case '/timeline': return timelineView(params);
      case '/alerts': return alertsView(params);
      case '/rules': return rulesView();
      case '/exports': return exportsView(params);
      case '/reports': return reportsView(params);
      case '/posture': return postureView();
      case '/status': return statusView();
      default: return searchView(params);
    }
  }

  // keyboard: / focuses the text box, s a l r e p t switch views, j/k move in tables, Esc back
  document.addEventListener('keydown', (ev) => {
    const t = ev.target;
    if (ev.key === 'Escape') { if (t.blur) t.blur(); history.back(); return; }
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const nav = { s: '/search', a: '/alerts', l: '/rules', r: '/reports', e: '/exports', p: '/posture', t: '/status' };
    if (ev.key === '/') { const q = $('f-q'); if (q) { ev.preventDefault(); q.focus(); } }
    else if (nav[ev.key]) go(nav[ev.key]);
    else if (ev.key === 'j' || ev.key === 'k') {
      const rows = Array.from(document.querySelectorAll('#view tbody tr'));
      if (!rows.length) return;
      let i = rows.indexOf(document.activeElement);
      i = ev.key === 'j' ? Math.min(rows.length - 1, i + 1) : Math.max(0, i - 1);
      rows[i].focus();
    }
  });

  window.addEventListener('hashchange', route);
  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', logout);
    route().catch(() => showLogin());
  });
})();
