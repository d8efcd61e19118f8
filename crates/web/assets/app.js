// grantledger's browser front end: one ES module, no build step. Every page reads and writes
// through the REST API under /v1 with the signed-in person's bearer token; the server decides
// what each person may see and do, and its problem+json answers are shown next to the fields.
import { t, getLang, setLang, problemText } from '/ui/i18n.js';

// ---------- small DOM helpers ----------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let fieldSeq = 0;
/** A labelled input with its own error slot; `name` is the API field it fills. */
function field(label, name, attrs = {}, kind = 'input') {
  const id = `f${++fieldSeq}`;
  const errId = `${id}-err`;
  const control = kind === 'textarea'
    ? h('textarea', { id, name, 'data-field': name, 'aria-describedby': errId, ...attrs })
    : kind === 'select'
      ? h('select', { id, name, 'data-field': name, 'aria-describedby': errId, ...attrs.select },
        (attrs.options || []).map(([v, l]) => h('option', { value: v, selected: v === attrs.value }, l)))
      : h('input', { id, name, 'data-field': name, 'aria-describedby': errId, ...attrs });
  return h('div', { class: 'field' }, h('label', { for: id }, label), control,
    h('div', { class: 'error', id: errId, 'data-error-for': name }));
}

function dl(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

function badge(status) {
  const good = ['published', 'awarded', 'cleared', 'compliant', 'paid', 'passed', 'accepted', 'in_progress'];
  const bad = ['withdrawn', 'rejected', 'non_compliant', 'cancelled', 'unfilled', 'eliminated'];
  const cls = good.includes(status) ? 'badge good' : bad.includes(status) ? 'badge bad' : 'badge';
  const label = t('status_' + status);
  return h('span', { class: cls, 'data-status': status }, label.startsWith('status_') ? status : label);
}

function say(text) {
  const box = document.getElementById('status');
  box.textContent = text;
  setTimeout(() => { if (box.textContent === text) box.textContent = ''; }, 4000);
}

/** A button that fetches `path` as CSV with the caller's token and offers it as `filename`. */
function csvButton(path, filename, label = t('download_csv')) {
  return h('button', { type: 'button', class: 'secondary', 'data-csv': path, onclick: async () => {
    const r = await fetch(path, { headers: { Authorization: 'Bearer ' + session.token, Accept: 'text/csv' } });
    if (!r.ok) { say(`${r.status}`); return; }
    const blob = await r.blob();
    const a = h('a', { href: URL.createObjectURL(blob), download: filename });
    document.body.append(a); a.click(); a.remove();
  } }, label);
}

// ---------- money and dates ----------

/** Integer fen as 万元, exact (no floating point): 1 万元 = 1,000,000 fen. */
function wan(fen) {
  const n = BigInt(fen);
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const whole = abs / 1000000n;
  let frac = (abs % 1000000n).toString().padStart(6, '0').replace(/0+$/, '');
  return (neg ? '-' : '') + whole.toLocaleString('en-US') + (frac ? '.' + frac : '');
}
function yuan(fen) {
  const n = BigInt(fen);
  const neg = n < 0n;
  const abs = neg ? -n : n;
  return (neg ? '-' : '') + '¥' + (abs / 100n).toLocaleString('en-US') + '.' + (abs % 100n).toString().padStart(2, '0');
}
function money(fen) {
  if (fen === undefined || fen === null) return '—';
  const exact = yuan(fen) + (getLang() === 'en' ? ' yuan' : ' 元');
  return h('span', { class: 'money', title: exact, 'data-fen': fen },
    wan(fen) + (getLang() === 'en' ? ' ×10k yuan' : ' 万元'), h('small', {}, exact));
}
/** A 万元 decimal typed by a person, as integer fen; null when it is not a number of that form. */
function wanToFen(text) {
  const s = String(text ?? '').trim().replace(/,/g, '');
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(s);
  if (!m) return null;
  return Number(BigInt(m[1]) * 1000000n + BigInt((m[2] || '').padEnd(6, '0') || '0'));
}
const SHANGHAI = 'Asia/Shanghai';
/** An instant shown in Asia/Shanghai. */
function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(getLang() === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: SHANGHAI, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).format(d) + (getLang() === 'en' ? ' (Shanghai)' : '（北京时间）');
}

// ---------- session and API ----------

const session = {
  get token() { return localStorage.getItem('gl.token'); },
  set token(v) { if (v) localStorage.setItem('gl.token', v); else localStorage.removeItem('gl.token'); },
  get claims() {
    const tok = this.token;
    if (!tok) return null;
    try {
      const part = tok.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(decodeURIComponent(escape(atob(part))));
    } catch { return null; }
  },
  has(role) { return (this.claims?.roles || []).includes(role); },
};

async function api(method, path, body, headers = {}) {
  const opts = { method, headers: { ...headers } };
  if (session.token) opts.headers.Authorization = 'Bearer ' + session.token;
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (res.status === 401 && !path.startsWith('/ui/')) {
    session.token = null;
  }
  return { ok: res.ok, status: res.status, body: data, etag: res.headers.get('etag') };
}
const get = (path) => api('GET', path);
const post = (path, body) => api('POST', path, body ?? {});

/** Clears a form's errors, or shows a refusal next to the field it concerns (input is kept). */
function clearErrors(form) {
  form.querySelectorAll('[data-error-for]').forEach((e) => { e.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  const top = form.querySelector('.form-error');
  if (top) top.textContent = '';
}
function showProblem(form, problem, codeFields = {}) {
  clearErrors(form);
  const p = typeof problem === 'object' && problem ? problem : { detail: String(problem) };
  const fields = (p.errors || []).map((e) => [e.field, e.message]);
  if (!fields.length && codeFields[p.code]) fields.push([codeFields[p.code], problemText(p)]);
  let placed = false;
  for (const [name, message] of fields) {
    const base = String(name).replace(/\[\d+\].*$/, '').replace(/\..*$/, '');
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`) || form.querySelector(`[data-error-for="${CSS.escape(base)}"]`);
    if (slot) {
      slot.textContent = message || problemText(p);
      const control = form.querySelector(`[data-field="${CSS.escape(name)}"]`) || form.querySelector(`[data-field="${CSS.escape(base)}"]`);
      if (control) { control.setAttribute('aria-invalid', 'true'); if (!placed) control.focus(); }
      placed = true;
    }
  }
  const top = form.querySelector('.form-error');
  if (top) top.textContent = `${t('refused')} (${p.code ?? p.status ?? ''}): ${problemText(p)}`;
  if (!placed && top) top.focus();
}
function formError() { return h('div', { class: 'form-error', role: 'alert', tabindex: '-1' }); }

/** Wires a form: `build()` makes the request body, `send(body)` posts it; refusals stay on the form. */
function onSubmit(form, build, send, done, codeFields) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    let body;
    try { body = build(); } catch (e) { showProblem(form, e); return; }
    const button = form.querySelector('button[type=submit]');
    if (button) button.disabled = true;
    try {
      const res = await send(body);
      if (res.ok) { say(t('done')); await done(res); } else showProblem(form, res.body, codeFields);
    } finally { if (button) button.disabled = false; }
  });
  return form;
}

/** A problem raised by the page itself before sending (e.g. an amount that is not a number). */
function localProblem(fieldName, detail) { return { code: 'invalid_input', detail, errors: [{ field: fieldName, message: detail }] }; }
function fenOf(form, name) {
  const v = form.querySelector(`[data-field="${name}"]`).value;
  const fen = wanToFen(v);
  if (fen === null) throw localProblem(name, getLang() === 'en' ? 'Enter an amount in 10k yuan, e.g. 120 or 0.5' : '请输入以万元为单位的金额，例如 120 或 0.5');
  return fen;
}
const val = (root, name) => root.querySelector(`[data-field="${name}"]`)?.value.trim() ?? '';

// ---------- layout ----------

const main = () => document.getElementById('main');
function page(title, ...children) {
  document.title = `${title} · grantledger`;
  const m = main();
  m.replaceChildren(h('h1', {}, title), ...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return m;
}
function loading() { main().replaceChildren(h('p', {}, t('loading'))); }
function failure(res) {
  return h('p', { class: 'form-error', role: 'alert' }, `${res.status}: ${problemText(res.body)}`);
}

function renderChrome() {
  document.documentElement.lang = getLang() === 'en' ? 'en' : 'zh-CN';
  document.querySelector('.skip').textContent = t('skip');
  document.getElementById('lang').textContent = t('switch_lang');
  document.getElementById('nav').setAttribute('aria-label', t('nav'));
  const c = session.claims;
  const out = document.getElementById('signout');
  out.textContent = t('signout');
  out.hidden = !c;
  document.getElementById('who').textContent = c
    ? `${t('signed_in_as')}: ${c.sub} · ${(c.roles || []).map((r) => t('role_' + r)).join(', ')}${c.org ? ' · ' + c.org : ''}`
    : '';
  const links = [];
  if (session.has('applicant')) links.push(['#/calls', t('calls')], ['#/bids', t('my_bids')], ['#/projects', t('my_projects')], ['#/clawbacks', t('clawbacks')]);
  if (session.has('reviewer')) links.push(['#/reviews', t('reviews')], ['#/evaluations', t('evaluations')]);
  if (session.has('officer')) links.push(['#/officer', t('officer_calls')], ['#/officer/projects', t('projects')], ['#/officer/attention', t('attention')]);
  if (session.has('officer')) links.push(['#/officer/consortia', t('consortia')], ['#/officer/rounds', t('rounds')], ['#/clawbacks', t('clawbacks')]);
  if (session.has('officer') || session.has('auditor')) links.push(['#/officer/needs', t('need_pool')], ['#/officer/kpis', t('kpi_dashboard')]);
  if (session.has('auditor')) links.push(['#/audit', t('audit')], ['#/audit/access-log', t('access_log')]);
  if (!c) links.push(['#/signin', t('signin')]);
  const here = location.hash || '#/';
  document.getElementById('nav').replaceChildren(h('ul', {}, links.map(([href, label]) =>
    h('li', {}, h('a', { href, 'aria-current': here === href ? 'page' : null }, label)))));
}

// ---------- pages: sign-in ----------

async function signinPage() {
  const config = (await get('/ui/config.json')).body || {};
  const parts = [];
  if (config.dev_signin) {
    const form = h('form', { 'aria-label': t('signin') },
      h('p', { class: 'dev', role: 'note' }, t('dev_only')),
      field(t('sub'), 'sub', { required: true, autocomplete: 'username' }),
      field(t('role'), 'role', { options: ['applicant', 'reviewer', 'officer', 'auditor'].map((r) => [r, t('role_' + r)]) }, 'select'),
      field(t('org'), 'org', { autocomplete: 'organization', spellcheck: 'false' }),
      formError(),
      h('button', { type: 'submit' }, t('signin')));
    onSubmit(form,
      () => ({ sub: val(form, 'sub'), roles: [val(form, 'role')], org: val(form, 'org') || null }),
      (body) => post('/ui/dev/token', body),
      (res) => { session.token = res.body.token; location.hash = '#/'; route(); },
      { invalid_sign_in: 'sub' });
    parts.push(form);
  } else {
    parts.push(h('p', { class: 'panel' }, t('dev_signin_off')));
  }
  const paste = h('form', {},
    field(t('token'), 'token', { rows: 3, spellcheck: 'false' }, 'textarea'),
    formError(),
    h('button', { type: 'submit', class: 'secondary' }, t('use_token')));
  onSubmit(paste, () => val(paste, 'token'), async (tok) => {
    session.token = tok;
    const res = await get('/v1/me/bids?limit=1');
    return res.status === 401 ? res : { ok: true };
  }, () => { location.hash = '#/'; route(); }, { unauthenticated: 'token' });
  parts.push(h('h2', {}, t('token')), paste);
  page(t('signin_title'), ...parts);
}

// ---------- pages: applicant ----------

const CALL_STATUSES = ['published', 'closed', 'awarded', 'unfilled', 'cancelled', 'draft'];

async function callsPage(officer = false) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const status = params.get('status') ?? (officer ? '' : 'published');
  const q = params.get('q') || '';
  const chain = params.get('chain') || '';
  loading();
  const res = await get('/v1/challenges?limit=100' + (status ? '&status=' + encodeURIComponent(status) : ''));
  const form = h('form', { class: 'panel', role: 'search', 'aria-label': t('filter') },
    h('div', { class: 'row' },
      field(t('search_title'), 'q', { type: 'search', value: q }),
      field(t('search_chain'), 'chain', { type: 'search', value: chain }),
      field(t('status'), 'status', { value: status, options: [['', t('any')], ...CALL_STATUSES.map((s) => [s, t('status_' + s)])] }, 'select'),
      h('button', { type: 'submit' }, t('filter'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams({ q: val(form, 'q'), chain: val(form, 'chain'), status: val(form, 'status') });
    location.hash = `${officer ? '#/officer' : '#/calls'}?${p}`;
  });
  if (!res.ok) return page(officer ? t('officer_calls') : t('calls'), form, failure(res));
  const items = res.body.items.filter((c) =>
    (!q || (c.title || '').includes(q)) && (!chain || (c.industry_chain || '').includes(chain)));
  const list = items.length ? h('ul', { class: 'cards' }, items.map((c) => h('li', { class: 'card' },
    h('h2', {}, h('a', { href: `#/calls/${c.id}` }, c.title)),
    dl([[t('status'), badge(c.status)], [t('industry_chain'), c.industry_chain], [t('budget_cap'), money(c.budget_cap_fen)],
      [t('window'), `${c.opens_on} — ${c.closes_on}`]]),
    officer ? h('p', {}, h('a', { href: `#/officer/calls/${c.id}` }, t('call_bids'))) : null)))
    : h('p', {}, t('none'));
  page(officer ? t('officer_calls') : t('calls'), officer ? h('p', {}, h('a', { class: 'button', href: '#/officer/new' }, t('new_call'))) : null, form, list);
}

async function callPage(id) {
  loading();
  const res = await get(`/v1/challenges/${id}`);
  if (!res.ok) return page(t('calls'), failure(res));
  const c = res.body;
  const actions = h('div', { class: 'actions' });
  if (session.has('applicant') && c.status === 'published') actions.append(h('a', { class: 'button', href: `#/calls/${id}/bid` }, t('bid_now')));
  if (session.has('officer')) {
    actions.append(h('a', { class: 'button secondary', href: `#/officer/calls/${id}` }, t('call_bids')));
    const act = (label, path) => h('button', { type: 'button', class: 'secondary', onclick: async () => {
      const r = await api('POST', `/v1/challenges/${id}/${path}`, {}, { 'If-Match': `"${c.version}"` });
      if (r.ok) { say(t('done')); callPage(id); } else actions.append(failure(r));
    } }, label);
    if (c.status === 'draft') actions.append(act(t('publish'), 'publish'));
    if (c.status === 'published') actions.append(act(t('close_call'), 'close'));
  }
  page(c.title,
    dl([[t('status'), badge(c.status)], [t('programme'), c.programme], [t('demand_owner'), c.demand_owner],
      [t('industry_chain'), c.industry_chain], [t('budget_cap'), money(c.budget_cap_fen)],
      [t('mode'), c.mode?.kind === 'horse_race' ? `${t('mode_horse_race')} (${t('max_teams')} ${c.mode.max_teams})` : t('mode_single')],
      [t('window'), `${c.opens_on} — ${c.closes_on}`], [t('completion_deadline'), c.completion_deadline],
      [t('published_on'), c.published_on], [t('version'), c.version]]),
    h('h2', {}, t('targets')),
    h('ul', {}, (c.targets || []).map((x) => h('li', {}, `${x.name}: ${x.target} ${x.metric}`))),
    (c.needs || []).length ? [h('h2', {}, t('answers_needs')), h('ul', {}, c.needs.map((n) => h('li', {},
      session.has('officer') || session.has('auditor') ? h('a', { href: `#/officer/needs/${n}` }, `${t('need')} ${n.slice(0, 8)}`) : `${t('need')} ${n.slice(0, 8)}`)))] : null,
    actions);
}

/** A repeating group of rows (members, sub-topics, milestones) inside a fieldset. */
function repeater(legend, name, columns, addLabel, onChange, initial = 1) {
  const rows = h('div', { 'data-rows': name });
  const add = () => {
    const idx = rows.children.length;
    const row = h('div', { class: 'row', 'data-row': name },
      columns.map(([label, key, attrs]) => field(`${label} ${idx + 1}`, `${name}[${idx}].${key}`, { ...attrs, 'data-key': key, oninput: onChange })),
      h('button', { type: 'button', class: 'secondary', onclick: () => { row.remove(); onChange(); } }, `${t('remove')} ${idx + 1}`));
    rows.append(row);
    onChange();
    return row;
  };
  for (let i = 0; i < initial; i++) add();
  const box = h('fieldset', { 'data-name': name }, h('legend', {}, legend), rows,
    h('div', { class: 'error', 'data-error-for': name }),
    h('button', { type: 'button', class: 'secondary', onclick: () => add() }, addLabel));
  box.rowsOf = () => [...rows.querySelectorAll(`[data-row="${name}"]`)].map((row) =>
    Object.fromEntries([...row.querySelectorAll('[data-key]')].map((i) => [i.dataset.key, i.value.trim()])));
  return box;
}

async function amendPage(bidId) {
  loading();
  const res = await get(`/v1/bids/${bidId}`);
  if (!res.ok) return page(t('amend'), failure(res));
  return bidFormPage(res.body.challenge_id, res.body);
}

/** The bid form: a new bid on `callId`, or an amendment of `existing` (no lead name then). */
async function bidFormPage(callId, existing = null) {
  loading();
  const res = await get(`/v1/challenges/${callId}`);
  if (!res.ok) return page(t('bid_form'), failure(res));
  const call = res.body;
  let form = null;
  const sums = h('p', { class: 'sum', 'aria-live': 'polite', id: 'live-sums' });
  const recompute = () => {
    const req = wanToFen(val(form, 'requested_fen'));
    const sumOf = (box, key) => box.rowsOf().reduce((acc, r) => acc + (wanToFen(r[key]) ?? 0), 0);
    const s = sumOf(subtopics, 'share');
    const m = sumOf(milestones, 'tranche');
    const part = (label, v) => `${label} ${wan(v)} / ${t('of_request')} ${req === null ? '—' : wan(req)}: ${v === req ? t('sums_match') : t('sums_differ')}`;
    sums.textContent = `${part(t('sum_subtopics'), s)}；${part(t('sum_tranches'), m)}`;
    sums.className = 'sum ' + (s === req && m === req ? 'ok' : 'bad');
  };
  const lazy = () => { if (form) recompute(); };
  const members = repeater(t('members'), 'members', [[t('member_org'), 'org', { spellcheck: 'false' }], [t('member_name'), 'name', {}]], t('add_member'), lazy, 0);
  const subtopics = repeater(t('subtopics'), 'subtopics', [[t('subtopic_title'), 'title', {}], [t('responsible'), 'responsible', { spellcheck: 'false' }], [t('share'), 'share', { inputmode: 'decimal' }]], t('add_subtopic'), lazy, 0);
  const milestones = repeater(t('milestones'), 'milestones', [[t('milestone_title'), 'title', {}], [t('due'), 'due', { type: 'date' }], [t('tranche'), 'tranche', { inputmode: 'decimal' }]], t('add_milestone'), lazy, 1);
  form = h('form', { 'aria-label': t('bid_form'), novalidate: true },
    existing ? null : field(t('lead_name'), 'lead_name', { required: true }),
    field(t('title'), 'title', { required: true }),
    field(t('team_lead'), 'team_lead', { required: true }),
    field(t('technical_plan'), 'technical_plan', { required: true }, 'textarea'),
    field(t('requested'), 'requested_fen', { required: true, inputmode: 'decimal', oninput: lazy }),
    field(t('joint_agreement_ref'), 'joint_agreement_ref', {}),
    members, subtopics, milestones, sums, formError(),
    h('button', { type: 'submit' }, t('submit')));
  if (existing) {
    const set = (name, v) => { const el = form.querySelector(`[data-field="${name}"]`); if (el) el.value = v ?? ''; };
    set('title', existing.title); set('team_lead', existing.team_lead); set('technical_plan', existing.technical_plan);
    set('requested_fen', wan(existing.requested_fen).replace(/,/g, '')); set('joint_agreement_ref', existing.joint_agreement_ref);
    const fill = (box, items, addLabel, values) => {
      const have = () => box.querySelectorAll('[data-row]').length;
      while (have() < items.length) box.querySelector(`:scope > button`).click();
      items.forEach((item, i) => Object.entries(values(item)).forEach(([k, v]) => set(`${box.dataset.name}[${i}].${k}`, v)));
    };
    fill(members, existing.members || [], t('add_member'), (m) => ({ org: m.org, name: m.name }));
    fill(subtopics, existing.subtopics || [], t('add_subtopic'), (x) => ({ title: x.title, responsible: x.responsible, share: wan(x.budget_share_fen).replace(/,/g, '') }));
    fill(milestones, existing.milestones || [], t('add_milestone'), (m) => ({ title: m.title, due: m.due, tranche: wan(m.tranche_fen).replace(/,/g, '') }));
  }
  recompute();
  const build = () => {
    const body = {
      ...(existing ? {} : { lead_name: val(form, 'lead_name') }), title: val(form, 'title'), team_lead: val(form, 'team_lead'),
      technical_plan: val(form, 'technical_plan'), requested_fen: fenOf(form, 'requested_fen'),
      milestones: milestones.rowsOf().map((r, i) => ({ title: r.title, due: r.due, tranche_fen: rowFen(r.tranche, `milestones[${i}].tranche`) })),
    };
    const ms = members.rowsOf();
    if (ms.length) body.members = ms.map((r) => ({ org: r.org, name: r.name }));
    const st = subtopics.rowsOf();
    if (st.length) body.subtopics = st.map((r, i) => ({ title: r.title, responsible: r.responsible, budget_share_fen: rowFen(r.share, `subtopics[${i}].share`) }));
    const ja = val(form, 'joint_agreement_ref');
    if (ja) body.joint_agreement_ref = ja;
    return body;
  };
  const send = existing
    ? (body) => api('POST', `/v1/bids/${existing.id}/amend`, body, { 'If-Match': `"${existing.version}"` })
    : (body) => post(`/v1/challenges/${callId}/bids`, body);
  onSubmit(form, build, send,
    (r) => { if (existing) bidPage(existing.id); else location.hash = `#/bids/${r.body.id}`; }, {
      nothing_to_amend: 'title', version_mismatch: 'title',
      request_over_cap: 'requested_fen', request_not_positive: 'requested_fen', joint_agreement_missing: 'joint_agreement_ref',
      subtopic_shares_mismatch: 'subtopics', subtopics_missing: 'subtopics', member_without_subtopic: 'subtopics', subtopic_outside_team: 'subtopics',
      duplicate_member: 'members', lead_listed_as_member: 'members', tranche_sum_mismatch: 'milestones', no_milestones: 'milestones',
      milestones_out_of_order: 'milestones', milestone_after_deadline: 'milestones', required_field_empty: 'title',
    });
  page(`${existing ? t('amend') : t('bid_form')}: ${call.title}`, dl([[t('budget_cap'), money(call.budget_cap_fen)], [t('window'), `${call.opens_on} — ${call.closes_on}`]]), form);
}
function rowFen(text, name) {
  const fen = wanToFen(text);
  if (fen === null) throw localProblem(name, getLang() === 'en' ? 'Enter an amount in 10k yuan' : '请输入以万元为单位的金额');
  return fen;
}

async function myBidsPage() {
  loading();
  const res = await get('/v1/me/bids?limit=100');
  if (!res.ok) return page(t('my_bids'), failure(res));
  page(t('my_bids'), res.body.items.length ? h('ul', { class: 'cards' }, res.body.items.map((b) => h('li', { class: 'card' },
    h('h2', {}, h('a', { href: `#/bids/${b.id}` }, b.title)),
    dl([[t('status'), badge(b.status)], [t('requested'), money(b.requested_fen)], [t('award'), b.award ? money(b.award.amount_fen) : '—']]))))
    : h('p', {}, t('none')));
}

async function bidPage(id) {
  loading();
  const res = await get(`/v1/bids/${id}`);
  if (!res.ok) return page(t('bid_form'), failure(res));
  const b = res.body;
  const parts = [dl([[t('status'), badge(b.status)], [t('lead'), b.lead ? `${b.lead_name ?? ''} ${b.lead}` : null],
    [t('team_lead'), b.team_lead], [t('requested'), money(b.requested_fen)], [t('submitted'), b.submitted_on], [t('revision'), b.revision],
    [t('review_outcome'), b.review ? `${b.review.recommended ? t('recommend') : t('not_recommend')}${b.review.note ? ' — ' + b.review.note : ''}` : null],
    [t('mean_score'), b.review?.mean_score_x100 != null ? (b.review.mean_score_x100 / 100).toFixed(2) : null],
    [t('notice'), b.notice ? `${b.notice.from} — ${b.notice.to}` : null],
    [t('award'), b.award ? money(b.award.amount_fen) : null]])];
  if (b.award?.project_id) parts.push(h('p', {}, h('a', { class: 'button', href: `#/projects/${b.award.project_id}` }, t('open_project'))));
  if (b.members?.length) parts.push(h('h2', {}, t('members')), h('ul', {}, b.members.map((m) => h('li', {}, `${m.name} (${m.org})`))));
  if (b.subtopics?.length) parts.push(h('h2', {}, t('subtopics')), h('ul', {}, b.subtopics.map((s) => h('li', {}, `${s.title} — ${s.responsible} — `, money(s.budget_share_fen)))));
  if (b.milestones?.length) parts.push(h('h2', {}, t('milestones')), h('ul', {}, b.milestones.map((m) => h('li', {}, `${m.title} (${m.due}) — `, money(m.tranche_fen)))));
  parts.push(h('h2', {}, t('attachments')),
    h('ul', { id: 'attachments' }, (b.attachments || []).map((a) => h('li', {}, `${a.name} · ${a.size} B · ${a.sha256.slice(0, 12)}…`))));
  if (session.has('applicant') && b.status === 'submitted') {
    const progress = h('progress', { max: 100, value: 0, 'aria-label': t('upload') });
    const form = h('form', { 'aria-label': t('upload') },
      field(t('file'), 'file', { type: 'file', accept: 'application/pdf,image/png,image/jpeg,application/zip' }),
      progress, formError(), h('button', { type: 'submit' }, t('upload')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearErrors(form);
      const file = form.querySelector('input[type=file]').files[0];
      if (!file) return showProblem(form, localProblem('file', t('file')));
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `/v1/bids/${id}/attachments?name=${encodeURIComponent(file.name)}`);
      xhr.setRequestHeader('Authorization', 'Bearer ' + session.token);
      xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = Math.round((100 * e.loaded) / e.total); };
      xhr.onload = () => {
        if (xhr.status === 201) { progress.value = 100; say(t('uploaded')); bidPage(id); } else {
          let p; try { p = JSON.parse(xhr.responseText); } catch { p = { detail: xhr.statusText, status: xhr.status }; }
          showProblem(form, p, { attachment_duplicate: 'file', unsupported_media_type: 'file' });
        }
      };
      xhr.send(file);
    });
    const withdraw = h('form', { 'aria-label': t('withdraw') }, field(t('reason'), 'reason', { required: true }), formError(),
      h('button', { type: 'submit', class: 'secondary' }, t('withdraw')));
    onSubmit(withdraw, () => ({ reason: val(withdraw, 'reason') }), (body) => post(`/v1/bids/${id}/withdraw`, body), () => bidPage(id), { required_field_empty: 'reason' });
    parts.push(h('p', {}, h('a', { class: 'button secondary', href: `#/bids/${id}/amend` }, t('amend'))), form, h('h2', {}, t('withdraw')), withdraw);
  }
  if (b.panel?.length) parts.push(h('h2', {}, t('seat_reviewers')), h('ul', {}, b.panel.map((r) => h('li', {}, `${r.id} (${r.org})${r.recusal_reason ? ' — ' + t('status_recused') + ': ' + r.recusal_reason : ''}`))));
  if (b.assessments?.length) parts.push(h('h2', {}, t('score')), h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, [t('reviewer_id'), t('mean_score'), t('recommendation'), t('comment')].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, b.assessments.map((a) => h('tr', {}, h('td', {}, a.reviewer), h('td', {}, a.weighted_score_x100 != null ? (a.weighted_score_x100 / 100).toFixed(2) : '—'),
      h('td', {}, t(a.recommendation)), h('td', {}, a.comment)))))));
  if (session.has('officer')) parts.push(officerBidPanel(b));
  page(b.title || b.alias || id, ...parts);
}

async function myProjectsPage() {
  loading();
  const res = await get('/v1/me/projects?limit=100');
  if (!res.ok) return page(t('my_projects'), failure(res));
  page(t('my_projects'), projectCards(res.body.items));
}
function projectCards(items) {
  return items.length ? h('ul', { class: 'cards' }, items.map((p) => h('li', { class: 'card' },
    h('h2', {}, h('a', { href: `#/projects/${p.id}` }, `${t('project')} ${p.id.slice(0, 8)}`)),
    dl([[t('status'), badge(p.status)], [t('lead'), p.lead], [t('awarded'), money(p.awarded_fen)], [t('disbursed'), money(p.disbursed_fen)]]))))
    : h('p', {}, t('none'));
}

async function projectPage(id) {
  loading();
  const res = await get(`/v1/projects/${id}`);
  if (!res.ok) return page(t('project'), failure(res));
  const p = res.body;
  const reload = () => projectPage(id);
  const parts = [dl([[t('status'), badge(p.status)], [t('lead'), p.lead], [t('members'), (p.members || []).join(', ') || '—'],
    [t('awarded'), money(p.awarded_fen)], [t('disbursed'), money(p.disbursed_fen)], [t('remaining'), money(p.remaining_fen)],
    [t('task_book_ref'), p.task_book_ref], [t('start'), p.start], [t('end'), p.end]])];
  if (session.has('officer') && p.status === 'awarded') parts.push(await contractForm(p, reload));
  parts.push(h('h2', {}, t('milestones')));
  const ms = h('ul', { class: 'cards' });
  for (const m of p.milestones || []) {
    const card = h('li', { class: 'card', 'data-milestone': m.id }, h('h3', {}, `${m.id}: ${m.deliverables}`),
      dl([[t('status'), badge(m.status)], [t('due'), m.due], [t('evidence_ref'), (m.evidence || []).join(', ') || '—']]));
    if (session.has('applicant') && ['pending', 'rectifying'].includes(m.status)) {
      const f = h('form', { 'aria-label': `${t('milestone_report')} ${m.id}` }, field(t('evidence_ref'), 'evidence_ref', { required: true }), formError(),
        h('button', { type: 'submit' }, t('report')));
      onSubmit(f, () => ({ evidence_ref: val(f, 'evidence_ref') }), (body) => post(`/v1/projects/${id}/milestones/${m.id}/report`, body), reload, { required_field_empty: 'evidence_ref' });
      card.append(f);
    }
    if (session.has('officer') && m.status === 'reported') {
      const f = h('form', { 'aria-label': `${t('assess')} ${m.id}` },
        field(t('passed'), 'passed', { options: [['true', t('passed')], ['false', t('not_recommend')]] }, 'select'),
        field(t('comment'), 'opinion', {}), formError(), h('button', { type: 'submit' }, t('assess')));
      onSubmit(f, () => ({ passed: val(f, 'passed') === 'true', opinions: val(f, 'opinion') ? [val(f, 'opinion')] : [] }),
        (body) => post(`/v1/projects/${id}/milestones/${m.id}/assess`, body), reload);
      card.append(f);
    }
    ms.append(card);
  }
  parts.push(ms, h('h2', {}, t('tranches')));
  const ts = h('ul', { class: 'cards' });
  for (const tr of p.tranches || []) {
    const gate = tr.gate?.kind + (tr.gate?.milestone ? ` ${tr.gate.milestone}` : '') + (tr.gate?.checkpoint ? ` ${tr.gate.checkpoint}` : '');
    const card = h('li', { class: 'card', 'data-tranche': tr.id }, h('h3', {}, tr.id),
      dl([[t('amount'), money(tr.amount_fen)], [t('gate'), gate], [t('status'), badge(tr.status)], [t('paid_on'), tr.paid_on], [t('payment_ref'), tr.payment_ref]]));
    if (session.has('officer') && tr.status === 'pending') {
      const f = h('form', { 'aria-label': `${t('disburse')} ${tr.id}` }, field(t('payment_ref'), 'payment_ref', { required: true }), formError(),
        h('button', { type: 'submit' }, t('disburse')));
      onSubmit(f, () => ({ payment_ref: val(f, 'payment_ref') }), (body) => post(`/v1/projects/${id}/tranches/${tr.id}/disburse`, body), reload,
        { gate_not_met: 'payment_ref', tranche_already_paid: 'payment_ref', required_field_empty: 'payment_ref' });
      card.append(f);
    }
    ts.append(card);
  }
  parts.push(ts);
  page(`${t('project')} ${id.slice(0, 8)}`, ...parts);
}

/** The officer's task book: milestones from the bid's plan, one tranche per milestone with the
 *  amounts the officer enters (the server checks that they add up to the award). */
async function contractForm(p, reload) {
  const bid = (await get(`/v1/bids/${p.bid_id}`)).body || {};
  const plan = (bid.milestones || []).map((m, i) => ({ id: `m${i + 1}`, due: m.due, deliverables: m.title, tranche: m.tranche_fen }));
  const form = h('form', { 'aria-label': t('contract'), novalidate: true },
    h('h2', {}, t('contract')),
    dl([[t('awarded'), money(p.awarded_fen)]]),
    field(t('task_book_ref'), 'task_book_ref', { required: true }),
    field(t('start'), 'start', { type: 'date', required: true }),
    field(t('end'), 'end', { type: 'date', required: true }),
    h('fieldset', {}, h('legend', {}, t('tranches')),
      plan.map((m, i) => field(`${m.id}: ${m.deliverables} (${m.due}) — ${t('tranche')}`, `tranches[${i}].amount`,
        { inputmode: 'decimal', required: true, value: wan(m.tranche).replace(/,/g, '') }))),
    h('div', { class: 'error', 'data-error-for': 'tranches' }),
    formError(), h('button', { type: 'submit' }, t('sign_contract')));
  onSubmit(form, () => ({
    task_book_ref: val(form, 'task_book_ref'), start: val(form, 'start'), end: val(form, 'end'),
    milestones: plan.map((m) => ({ id: m.id, due: m.due, deliverables: m.deliverables, targets: [] })),
    tranches: plan.map((m, i) => ({ id: `t${i + 1}`, amount_fen: rowFen(val(form, `tranches[${i}].amount`), `tranches[${i}].amount`), gate: { kind: 'on_milestone', milestone: m.id } })),
  }), (body) => post(`/v1/projects/${p.id}/contract`, body), reload, { tranches_do_not_sum_to_award: 'tranches', tranche_not_positive: 'tranches' });
  return form;
}

// ---------- pages: expert ----------

async function reviewsPage() {
  loading();
  const res = await get('/v1/me/reviews?limit=100');
  if (!res.ok) return page(t('queue'), failure(res));
  page(t('queue'), res.body.items.length ? h('ul', { class: 'cards' }, res.body.items.map((r) => h('li', { class: 'card' },
    h('h2', {}, h('a', { href: `#/reviews/${r.bid_id}` }, r.title || r.bid_id)),
    dl([[t('status'), badge(r.status)], [t('programme'), r.programme], [t('submitted'), when(r.assigned_at)]]))))
    : h('p', {}, t('none')));
}

async function scorePage(bidId) {
  loading();
  const [res, progs] = await Promise.all([get(`/v1/bids/${bidId}`), get('/v1/programmes')]);
  if (!res.ok) return page(t('score'), failure(res));
  const b = res.body;
  const programme = (progs.body?.items || []).find((p) => p.id === b.programme);
  const criteria = programme?.review_criteria || [];
  const mean = h('output', { id: 'weighted-mean', 'aria-live': 'polite' }, '—');
  const recompute = () => {
    let total = 0; let complete = true;
    for (const c of criteria) {
      const v = Number(form.querySelector(`[data-field="scores.${c.id}"]`).value);
      if (form.querySelector(`[data-field="scores.${c.id}"]`).value === '' || Number.isNaN(v)) complete = false;
      else total += v * c.weight;
    }
    mean.textContent = complete ? (total / 100).toFixed(2) : '—';
  };
  const form = h('form', { 'aria-label': t('score'), novalidate: true },
    h('p', { class: 'panel' }, t('blind_note')),
    h('fieldset', {}, h('legend', {}, `${t('score')} (0–100)`),
      criteria.map((c) => field(`${c.name} (${t('weight')} ${c.weight}%)`, `scores.${c.id}`, { type: 'number', min: 0, max: 100, step: 1, required: true, oninput: () => recompute() }))),
    h('p', {}, `${t('weighted_mean')}: `, mean),
    field(t('recommendation'), 'recommendation', { options: [['recommend', t('recommend')], ['not_recommend', t('not_recommend')]] }, 'select'),
    field(t('comment'), 'comment', { required: true }, 'textarea'),
    formError(), h('button', { type: 'submit' }, t('submit')));
  onSubmit(form, () => ({
    scores: Object.fromEntries(criteria.map((c) => [c.id, Number(val(form, `scores.${c.id}`))])),
    recommendation: val(form, 'recommendation'), comment: val(form, 'comment'),
  }), (body) => post(`/v1/bids/${bidId}/assessments`, body), () => { location.hash = '#/reviews'; }, { required_field_empty: 'comment' });
  const recusal = h('form', { 'aria-label': t('recuse') }, field(t('reason'), 'reason', { required: true }), formError(),
    h('button', { type: 'submit', class: 'secondary' }, t('recuse')));
  onSubmit(recusal, () => ({ reason: val(recusal, 'reason') }), (body) => post(`/v1/bids/${bidId}/recusal`, body), () => { location.hash = '#/reviews'; });
  page(`${t('score')}: ${b.title || b.alias}`,
    dl([[t('programme'), programme?.name ?? b.programme], [t('requested'), money(b.requested_fen)], [t('technical_plan'), b.technical_plan]]),
    form, h('h2', {}, t('recuse')), recusal);
}

/** An expert's evaluation-round queue (考核评价), scored in place. */
async function evaluationsPage() {
  loading();
  const res = await get('/v1/me/evaluations?limit=100');
  if (!res.ok) return page(t('evaluations'), failure(res));
  const cards = res.body.items.map((e) => {
    const card = h('li', { class: 'card' }, h('h2', {}, e.subject_name || e.consortium_id),
      dl([[t('round'), e.round_no], [t('status'), badge(e.status)], [t('self_assessment'), e.self_assessment_ref], [t('score'), e.score]]));
    if (e.status === 'pending') {
      const f = h('form', { 'aria-label': `${t('score')} ${e.subject_name || e.consortium_id}` },
        field(`${t('score')} (0–100)`, 'score', { type: 'number', min: 0, max: 100, required: true }), formError(),
        h('button', { type: 'submit' }, t('submit')));
      onSubmit(f, () => ({ consortium_id: e.consortium_id, score: Number(val(f, 'score')) }),
        (body) => post(`/v1/evaluation-rounds/${encodeURIComponent(e.round_id)}/scores`, body), evaluationsPage, { score_out_of_range: 'score' });
      card.append(f);
    }
    return card;
  });
  page(t('evaluations'), cards.length ? h('ul', { class: 'cards' }, cards) : h('p', {}, t('none')));
}

// ---------- pages: officer ----------

/** Consortia (创新联合体) with their levels and the money granted and paid. */
async function consortiaPage() {
  loading();
  const res = await get('/v1/consortia?limit=100');
  if (!res.ok) return page(t('consortia'), failure(res));
  page(t('consortia'), res.body.items.length ? h('ul', { class: 'cards' }, res.body.items.map((c) => h('li', { class: 'card' },
    h('h2', {}, c.name),
    dl([[t('status'), badge(c.status)], [t('lead'), c.lead], [t('members'), (c.members || []).join(', ') || '—'],
      [t('levels'), (c.levels || []).map((l) => l.level ?? JSON.stringify(l)).join(', ') || '—'],
      [t('disbursed'), money(c.disbursed_total_fen)], [t('evaluations'), (c.evaluations || []).length]]))))
    : h('p', {}, t('none')));
}

/** Evaluation rounds (考核评价轮次) and their status. */
async function roundsPage() {
  loading();
  const res = await get('/v1/evaluation-rounds?limit=100');
  if (!res.ok) return page(t('rounds'), failure(res));
  page(t('rounds'), res.body.items.length ? h('ul', { class: 'cards' }, res.body.items.map((r) => h('li', { class: 'card' },
    h('h2', {}, `${t('round')} ${r.round_no}`),
    dl([[t('status'), badge(r.status)], [t('window'), r.period_start ? `${r.period_start} — ${r.period_end}` : null],
      [t('members'), (r.subjects || []).length], [t('objections'), (r.objections || []).length]]))))
    : h('p', {}, t('none')));
}


async function newCallPage() {
  // `?needs=a,b`: a call drafted from accepted pool needs; it names them, and its demand owner is
  // their poser (the server checks both).
  const needIds = (new URLSearchParams(location.hash.split('?')[1] || '').get('needs') || '').split(',').filter(Boolean);
  const [progRes, ...needRes] = await Promise.all([get('/v1/programmes'), ...needIds.map((n) => get(`/v1/needs/${encodeURIComponent(n)}`))]);
  const progs = progRes.body?.items || [];
  const needs = needRes.filter((r) => r.ok).map((r) => r.body);
  const first = needs[0];
  const form = h('form', { 'aria-label': t('new_call'), novalidate: true },
    needs.length ? h('fieldset', {}, h('legend', {}, t('answers_needs')),
      h('ul', {}, needs.map((n) => h('li', {}, h('a', { href: `#/officer/needs/${n.id}` }, n.title), ' ', needBadge(n.status)))),
      h('div', { class: 'error', 'data-error-for': 'needs' })) : null,
    field(t('programme'), 'programme', { options: progs.map((p) => [p.id, p.name]) }, 'select'),
    field(t('title'), 'title', { required: true, value: first?.title }),
    field(t('demand_owner'), 'demand_owner', { required: !needs.length, spellcheck: 'false', value: first?.poser }),
    field(t('industry_chain'), 'industry_chain', { required: true, value: first?.industry_chain }),
    h('fieldset', {}, h('legend', {}, t('targets')), h('div', { class: 'row' },
      field(t('target_name'), 'target_name', {}), field(t('target_metric'), 'target_metric', {}), field(t('target_value'), 'target_value', {}))),
    field(`${t('budget_cap')} (${getLang() === 'en' ? '10k yuan' : '万元'})`, 'budget_cap_fen', { inputmode: 'decimal', required: true }),
    field(t('mode'), 'mode', { options: [['single', t('mode_single')], ['horse_race', t('mode_horse_race')]] }, 'select'),
    field(t('max_teams'), 'max_teams', { type: 'number', min: 2, max: 3, value: 2 }),
    field(t('opens_on'), 'opens_on', { type: 'date', required: true }),
    field(t('closes_on'), 'closes_on', { type: 'date', required: true }),
    field(t('completion_deadline'), 'completion_deadline', { type: 'date', required: true }),
    formError(), h('button', { type: 'submit' }, t('create')));
  onSubmit(form, () => ({
    programme: val(form, 'programme'), title: val(form, 'title'),
    ...(needs.length ? { needs: needs.map((n) => n.id) } : {}),
    ...(val(form, 'demand_owner') || !needs.length ? { demand_owner: val(form, 'demand_owner') } : {}),
    industry_chain: val(form, 'industry_chain'),
    targets: val(form, 'target_name') ? [{ name: val(form, 'target_name'), metric: val(form, 'target_metric'), target: val(form, 'target_value') }] : [],
    budget_cap_fen: fenOf(form, 'budget_cap_fen'),
    mode: val(form, 'mode') === 'horse_race' ? { kind: 'horse_race', max_teams: Number(val(form, 'max_teams')) } : { kind: 'single' },
    opens_on: val(form, 'opens_on'), closes_on: val(form, 'closes_on'), completion_deadline: val(form, 'completion_deadline'),
  }), (body) => post('/v1/challenges', body), (r) => { location.hash = `#/calls/${r.body.id}`; }, {
    budget_over_programme_cap: 'budget_cap_fen', window_too_short: 'closes_on', targets_missing: 'target_name',
    need_not_in_pool: 'needs', need_already_adopted: 'needs', demand_owner_not_poser: 'demand_owner',
  });
  page(t('new_call'), form);
}

async function officerCallPage(id) {
  loading();
  const [call, bids] = await Promise.all([get(`/v1/challenges/${id}`), get(`/v1/challenges/${id}/bids?limit=100`)]);
  if (!call.ok) return page(t('call_bids'), failure(call));
  if (!bids.ok) return page(call.body.title, failure(bids));
  const c = call.body;
  const rows = bids.body.items.map((b) => h('tr', {},
    h('td', {}, h('a', { href: `#/bids/${b.id}` }, b.title || b.id)), h('td', {}, b.lead_name ?? b.lead ?? '—'), h('td', {}, badge(b.status)),
    h('td', {}, b.mean_score_x100 != null ? (b.mean_score_x100 / 100).toFixed(2) : '—'), h('td', {}, money(b.requested_fen))));
  const cleared = bids.body.items.filter((b) => b.status === 'cleared');
  const parts = [dl([[t('status'), badge(c.status)], [t('budget_cap'), money(c.budget_cap_fen)], [t('window'), `${c.opens_on} — ${c.closes_on}`]]),
    h('div', { class: 'actions' }, h('a', { href: `#/calls/${id}` }, t('open')), csvButton(`/v1/challenges/${id}/bids`, `bids-${id}.csv`, t('download_score_sheet'))),
    h('div', { class: 'table-wrap' }, h('table', {}, h('caption', {}, t('call_bids')),
      h('thead', {}, h('tr', {}, [t('title'), t('lead'), t('status'), t('mean_score'), t('requested')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows)))];
  if (cleared.length && ['closed', 'published'].includes(c.status)) {
    const form = h('form', { 'aria-label': t('award_call') }, h('h2', {}, t('award_call')),
      cleared.map((b, i) => h('fieldset', {}, h('legend', {}, b.title),
        field(t('winner'), `winners[${i}].pick`, { type: 'checkbox', value: b.id, checked: i === 0 }),
        field(t('amount'), `winners[${i}].amount`, { inputmode: 'decimal', value: wan(b.requested_fen).replace(/,/g, '') }))),
      h('div', { class: 'error', 'data-error-for': 'winners' }),
      formError(), h('button', { type: 'submit' }, t('award_call')));
    onSubmit(form, () => ({
      winners: cleared.map((b, i) => ({ b, i })).filter(({ i }) => form.querySelector(`[data-field="winners[${i}].pick"]`).checked)
        .map(({ b, i }) => ({ bid_id: b.id, amount_fen: rowFen(val(form, `winners[${i}].amount`), `winners[${i}].amount`) })),
    }), (body) => post(`/v1/challenges/${id}/award`, body), () => officerCallPage(id), {
      award_over_request: 'winners', award_over_cap: 'winners', bid_not_cleared: 'winners', too_many_winners: 'winners',
    });
    parts.push(form);
  }
  page(`${t('call_bids')}: ${c.title}`, ...parts);
}

/** The officer's actions on one bid, offered by its status; the server decides if each is allowed. */
function officerBidPanel(b) {
  const box = h('section', { class: 'panel', 'aria-label': t('officer_calls') });
  const reload = () => bidPage(b.id);
  const sub = (title, form) => box.append(h('h2', {}, title), form);
  if (b.status === 'submitted') {
    const f = h('form', { 'aria-label': t('formal_check') },
      field(t('passed'), 'passed', { options: [['true', t('passed')], ['false', t('status_non_compliant')]] }, 'select'),
      field(t('defects'), 'defects', {}, 'textarea'), formError(), h('button', { type: 'submit' }, t('formal_check')));
    onSubmit(f, () => {
      const defects = val(f, 'defects').split('\n').map((x) => x.trim()).filter(Boolean);
      return { passed: val(f, 'passed') === 'true', ...(defects.length ? { defects } : {}) };
    }, (body) => post(`/v1/bids/${b.id}/formal-check`, body), reload, { formal_check_defects: 'defects', window_still_open: 'passed' });
    sub(t('formal_check'), f);
  }
  if (['compliant', 'under_review'].includes(b.status)) {
    let f;
    const seats = repeater(t('seat_reviewers'), 'reviewers', [[t('reviewer_id'), 'id', {}], [t('reviewer_org'), 'org', { spellcheck: 'false' }]], t('add_reviewer'), () => {}, 3);
    f = h('form', { 'aria-label': t('seat_reviewers') }, seats, formError(), h('button', { type: 'submit' }, t('seat_reviewers')));
    onSubmit(f, () => ({ reviewers: seats.rowsOf().filter((r) => r.id || r.org) }), (body) => post(`/v1/bids/${b.id}/reviewers`, body), reload, {
      reviewer_conflict_of_interest: 'reviewers', too_few_reviewers: 'reviewers', duplicate_reviewer: 'reviewers',
    });
    sub(t('seat_reviewers'), f);
    const c = h('form', { 'aria-label': t('conclusion') },
      field(t('recommended'), 'recommended', { options: [['true', t('recommend')], ['false', t('not_recommend')]] }, 'select'),
      field(t('note'), 'note', {}), formError(), h('button', { type: 'submit' }, t('conclusion')));
    onSubmit(c, () => ({ recommended: val(c, 'recommended') === 'true', ...(val(c, 'note') ? { note: val(c, 'note') } : {}) }),
      (body) => post(`/v1/bids/${b.id}/review-conclusion`, body), reload, { assessments_missing: 'recommended' });
    sub(t('conclusion'), c);
  }
  if (b.status === 'reviewed') {
    const f = h('form', { 'aria-label': t('public_notice') },
      field(t('notice_from'), 'from', { type: 'date', required: true }), field(t('notice_to'), 'to', { type: 'date', required: true }),
      formError(), h('button', { type: 'submit' }, t('public_notice')));
    onSubmit(f, () => ({ from: val(f, 'from'), to: val(f, 'to') }), (body) => post(`/v1/bids/${b.id}/public-notice`, body), reload,
      { notice_too_short: 'to', notice_starts_in_past: 'from' });
    sub(t('public_notice'), f);
  }
  if (b.status === 'in_public_notice') {
    for (const o of (b.objections || []).filter((x) => !x.resolution)) {
      const f = h('form', { 'aria-label': `${t('resolve')} ${o.no}` }, h('p', {}, `${o.objector_name}: ${o.grounds}`),
        field(t('upheld'), 'upheld', { options: [['false', t('not_recommend')], ['true', t('upheld')]] }, 'select'),
        field(t('reason'), 'reason', { required: true }), formError(), h('button', { type: 'submit' }, t('resolve')));
      onSubmit(f, () => ({ upheld: val(f, 'upheld') === 'true', reason: val(f, 'reason') }), (body) => post(`/v1/bids/${b.id}/objections/${o.no}/resolution`, body), reload);
      sub(`${t('objections')} ${o.no}`, f);
    }
    const end = h('form', { 'aria-label': t('end_notice') }, formError(), h('button', { type: 'submit' }, t('end_notice')));
    onSubmit(end, () => ({}), (body) => post(`/v1/bids/${b.id}/public-notice/end`, body), reload);
    sub(t('end_notice'), end);
  }
  box.append(h('p', {}, h('a', { href: `#/officer/calls/${b.challenge_id}` }, t('call_bids'))));
  return box;
}

async function officerProjectsPage() {
  loading();
  const res = await get('/v1/projects?limit=100');
  if (!res.ok) return page(t('projects'), failure(res));
  page(t('projects'), projectCards(res.body.items));
}

async function attentionPage() {
  loading();
  const res = await get('/v1/attention?limit=100');
  if (!res.ok) return page(t('attention'), failure(res));
  const cards = res.body.items.map((a) => {
    const card = h('li', { class: 'card' }, h('h2', {}, `${a.reactor}: ${a.code}`),
      dl([[t('status'), badge(a.status)], [t('cause'), `${a.cause.aggregate_type}/${a.cause.aggregate_id} #${a.cause.sequence} ${a.cause.event_type}`],
        [t('reason'), a.detail], [t('events'), a.refusals], [t('submitted'), when(a.opened_at)]]));
    if (session.has('officer') && ['open', 'retry_requested'].includes(a.status)) {
      const retry = h('button', { type: 'button', class: 'secondary', onclick: async () => {
        const r = await post(`/v1/attention/${a.id}/retry`);
        if (r.ok) attentionPage(); else card.append(failure(r));
      } }, t('retry'));
      const dismiss = h('form', { 'aria-label': `${t('dismiss')} ${a.id}` }, field(t('reason'), 'reason', { required: true }), formError(),
        h('button', { type: 'submit', class: 'secondary' }, t('dismiss')));
      onSubmit(dismiss, () => ({ reason: val(dismiss, 'reason') }), (body) => post(`/v1/attention/${a.id}/dismiss`, body), attentionPage);
      card.append(retry, dismiss);
    }
    return card;
  });
  page(t('attention'), cards.length ? h('ul', { class: 'cards' }, cards) : h('p', {}, t('none')));
}

/** Clawback cases: an applicant's organisation sees its own notices, officers and auditors all. */
async function clawbacksPage() {
  loading();
  const res = await get('/v1/clawbacks?limit=100');
  if (!res.ok) return page(t('clawbacks'), failure(res));
  page(t('clawbacks'), session.has('officer') || session.has('auditor') ? h('div', { class: 'actions' }, csvButton('/v1/clawbacks/ledger', 'clawback-ledger.csv', t('download_ledger'))) : null,
    res.body.items.length ? h('ul', { class: 'cards' }, res.body.items.map((c) => h('li', { class: 'card' },
    h('h2', {}, `${t('clawbacks')} ${c.id.slice(0, 8)}`),
    dl([[t('status'), badge(c.status)], [t('debtor'), c.debtor], [t('owed'), money(c.owed_fen)], [t('repaid'), money(c.repaid_fen)],
      [t('outstanding'), money(c.outstanding_fen)], [t('due'), c.due_on], [t('notice'), c.notice_issued_on]]))))
    : h('p', {}, t('none')));
}

// ---------- pages: programme office (需求库, KPI) ----------

const NEED_STATUSES = ['registered', 'accepted', 'rejected', 'adopted'];
function needBadge(status) {
  const cls = ['accepted', 'adopted'].includes(status) ? 'badge good' : status === 'rejected' ? 'badge bad' : 'badge';
  return h('span', { class: cls, 'data-status': status }, t('need_status_' + status));
}
const needCategory = (c) => (c ? t('need_cat_' + c) : '—');

/** The need pool: search and filters, each need's state and call, and the officer's registration form. */
async function needsPage() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const [q, chain, status] = ['q', 'chain', 'status'].map((k) => params.get(k) || '');
  loading();
  const query = new URLSearchParams({ limit: '100' });
  for (const [k, v] of [['q', q], ['chain', chain], ['status', status]]) if (v) query.set(k, v);
  const res = await get(`/v1/needs?${query}`);
  const filter = h('form', { class: 'panel', role: 'search', 'aria-label': t('filter') },
    h('div', { class: 'row' },
      field(t('search_needs'), 'q', { type: 'search', value: q }),
      field(t('chain_exact'), 'chain', { value: chain }),
      field(t('status'), 'status', { value: status, options: [['', t('any')], ...NEED_STATUSES.map((s) => [s, t('need_status_' + s)])] }, 'select'),
      h('button', { type: 'submit' }, t('filter'))));
  filter.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const k of ['q', 'chain', 'status']) if (val(filter, k)) p.set(k, val(filter, k));
    location.hash = `#/officer/needs?${p}`;
  });
  const parts = [filter];
  if (!res.ok) parts.push(failure(res));
  else {
    const items = res.body.items || [];
    parts.push(h('p', { id: 'need-total' }, `${t('total')}: ${res.body.total ?? items.length}${res.body.total === undefined && res.body.next_cursor ? '+' : ''}`));
    parts.push(items.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('caption', {}, t('need_pool')),
      h('thead', {}, h('tr', {}, [t('title'), t('poser'), t('need_category'), t('industry_chain'), t('status'), t('registered_on'), t('adopted_by')]
        .map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, items.map((n) => h('tr', { 'data-need': n.id },
        h('td', {}, h('a', { href: `#/officer/needs/${n.id}` }, n.title)), h('td', {}, n.poser), h('td', {}, needCategory(n.category)),
        h('td', {}, n.industry_chain), h('td', {}, needBadge(n.status)), h('td', {}, n.registered_on ?? '—'),
        h('td', {}, n.adopted_by ? h('a', { href: `#/calls/${n.adopted_by}` }, `${t('call')} ${n.adopted_by.slice(0, 8)}`)
          : n.status === 'accepted' && session.has('officer') ? h('a', { href: `#/officer/new?needs=${n.id}` }, t('draft_from_need')) : '—'))))))
      : h('p', {}, t('none')));
  }
  if (session.has('officer')) {
    const form = h('form', { 'aria-label': t('register_need'), novalidate: true },
      field(t('poser'), 'poser', { required: true, spellcheck: 'false' }),
      field(t('need_category'), 'category', { options: [['major_enterprise', t('need_cat_major_enterprise')], ['industry_chain', t('need_cat_industry_chain')]] }, 'select'),
      field(t('industry_chain'), 'industry_chain', { required: true }),
      field(t('title'), 'title', { required: true }),
      field(t('need_text'), 'text', { required: true }, 'textarea'),
      field(t('expected_outcome'), 'expected_outcome', { required: true }, 'textarea'),
      formError(), h('button', { type: 'submit' }, t('register_need')));
    onSubmit(form, () => Object.fromEntries(['poser', 'category', 'industry_chain', 'title', 'text', 'expected_outcome'].map((k) => [k, val(form, k)])),
      (body) => post('/v1/needs', body), (r) => { location.hash = `#/officer/needs/${r.body.id}`; }, { invalid_category: 'category' });
    parts.push(h('h2', {}, t('register_need')), form);
  }
  page(t('need_pool'), ...parts);
}

/** One need: what was asked, its screening (accept, or reject with a reason) and the call it became. */
async function needPage(id) {
  loading();
  const res = await get(`/v1/needs/${encodeURIComponent(id)}`);
  if (!res.ok) return page(t('need_pool'), failure(res));
  const n = res.body;
  const call = n.adopted_by ? await get(`/v1/challenges/${n.adopted_by}`) : null;
  const parts = [dl([[t('status'), needBadge(n.status)], [t('poser'), n.poser], [t('need_category'), needCategory(n.category)],
    [t('industry_chain'), n.industry_chain], [t('need_text'), n.text], [t('expected_outcome'), n.expected_outcome],
    [t('registered_on'), n.registered_on], [t('accepted_on'), n.accepted_on], [t('rejected_on'), n.rejected_on],
    [t('screening_reason'), n.screening_reason],
    [t('adopted_by'), n.adopted_by ? h('a', { href: `#/calls/${n.adopted_by}` }, call?.ok ? call.body.title : n.adopted_by) : null],
    [t('version'), n.version]])];
  if (session.has('officer') && n.status === 'registered') {
    const f = h('form', { 'aria-label': t('screen_need') },
      field(t('decision'), 'decision', { options: [['accept', t('accept_into_pool')], ['reject', t('reject')]] }, 'select'),
      field(t('screening_reason'), 'reason', {}, 'textarea'), formError(), h('button', { type: 'submit' }, t('screen_need')));
    onSubmit(f, () => ({ decision: val(f, 'decision'), ...(val(f, 'reason') ? { reason: val(f, 'reason') } : {}) }),
      (body) => api('POST', `/v1/needs/${encodeURIComponent(id)}/screen`, body, { 'If-Match': `"${n.version}"` }), () => needPage(id),
      { rejection_reason_required: 'reason', invalid_decision: 'decision' });
    parts.push(h('h2', {}, t('screen_need')), f);
  }
  if (session.has('officer') && n.status === 'accepted') {
    parts.push(h('p', {}, h('a', { class: 'button', href: `#/officer/new?needs=${encodeURIComponent(id)}` }, t('draft_from_need'))));
  }
  parts.push(h('p', {}, h('a', { href: '#/officer/needs' }, t('need_pool'))));
  page(n.title, ...parts);
}

const KPI_YEARS = [2025, 2026, 2027];
const percent = (r) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(1)}%`);

/** The annex table for one year: each row's kind, target, actual and ratio, linked to its facts. */
async function kpisPage() {
  const asked = new URLSearchParams(location.hash.split('?')[1] || '').get('year');
  loading();
  const res = await get('/v1/kpis' + (asked ? `?year=${encodeURIComponent(asked)}` : ''));
  if (!res.ok) return page(t('kpi_dashboard'), failure(res));
  const { year, rows } = res.body;
  const pick = h('form', { class: 'panel', 'aria-label': t('kpi_year') }, h('div', { class: 'row' },
    field(t('kpi_year'), 'year', { value: String(year), options: KPI_YEARS.map((y) => [String(y), String(y)]) }, 'select'),
    h('button', { type: 'submit' }, t('show_state'))));
  pick.addEventListener('submit', (ev) => { ev.preventDefault(); location.hash = `#/officer/kpis?year=${val(pick, 'year')}`; });
  const both = (gross, net, fmt) => (net === undefined || net === null ? fmt(gross) : `${fmt(gross)} / ${t('net')} ${fmt(net)}`);
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'kpi' }, h('caption', {}, `${t('kpi_dashboard')} ${year}`),
    h('thead', {}, h('tr', {}, ['#', t('kpi_area'), t('kpi_name'), t('kpi_kind'), t('kpi_target'), t('kpi_plan_to_date'), t('kpi_actual'), t('kpi_ratio'), t('kpi_source')]
      .map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-kpi-row': r.row },
      h('td', {}, r.row), h('td', {}, r.area),
      h('td', {}, h('a', { href: `#/officer/kpis/${r.row}?year=${year}` }, r.name)),
      h('td', {}, t('kpi_kind_' + r.kind)), h('td', { class: 'num' }, `${r.target} ${r.unit}`), h('td', { class: 'num' }, r.plan_to_date),
      h('td', { class: 'num' }, both(r.actual, r.actual_net, (v) => v ?? '—')), h('td', { class: 'num' }, both(r.ratio, r.ratio_net, percent)),
      h('td', {}, t('kpi_source_' + r.source)))))));
  page(t('kpi_dashboard'), pick, h('div', { class: 'actions' }, csvButton(`/v1/kpis?year=${year}`, `kpis-${year}.csv`)),
    h('p', { class: 'meta' }, res.body.source), table);
}

/** The facts behind one KPI row: each counted event with its stream and date. */
async function kpiRowPage(row) {
  const year = new URLSearchParams(location.hash.split('?')[1] || '').get('year');
  loading();
  const res = await get(`/v1/kpis/${encodeURIComponent(row)}` + (year ? `?year=${encodeURIComponent(year)}` : ''));
  if (!res.ok) return page(t('kpi_dashboard'), failure(res));
  const spec = res.body.row || {};
  const target = (stream) => {
    const [kind, id] = stream.split('/');
    if (kind === 'need') return `#/officer/needs/${id}`;
    if (kind === 'challenge') return `#/calls/${id}`;
    return null;
  };
  const items = res.body.contributions || [];
  page(`${t('kpi_facts')}: ${spec.row ?? row}. ${spec.name ?? ''}`,
    dl([[t('kpi_kind'), spec.kind ? t('kpi_kind_' + spec.kind) : '—'], [t('kpi_year'), res.body.year ?? t('any')], [t('events'), items.length]]),
    items.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('caption', {}, t('kpi_facts')),
      h('thead', {}, h('tr', {}, [t('kpi_stream'), t('kpi_event'), t('kpi_on'), t('kpi_year'), t('kpi_count')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, items.map((c) => h('tr', {},
        h('td', {}, target(c.stream) ? h('a', { href: target(c.stream) }, c.stream) : c.stream), h('td', {}, c.event), h('td', {}, c.on),
        h('td', {}, c.year), h('td', { class: 'num' }, c.count)))))) : h('p', {}, t('none')),
    h('p', {}, h('a', { href: `#/officer/kpis${year ? `?year=${year}` : ''}` }, t('kpi_dashboard'))));
}

// ---------- pages: auditor ----------

async function auditPage() {
  loading();
  const res = await get('/v1/projects?limit=100');
  if (!res.ok) return page(t('audit'), failure(res));
  const form = h('form', { class: 'panel', 'aria-label': t('dossier') }, field(`${t('project')} ${t('id')}`, 'project', { required: true }),
    formError(), h('button', { type: 'submit' }, t('open')));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); location.hash = `#/audit/projects/${encodeURIComponent(val(form, 'project'))}`; });
  page(t('audit'), form, h('h2', {}, t('projects')), res.body.items.length ? h('ul', {}, res.body.items.map((p) =>
    h('li', {}, h('a', { href: `#/audit/projects/${p.id}` }, `${t('dossier')} ${p.id}`), ' ', badge(p.status)))) : h('p', {}, t('none')));
}

async function dossierPage(id) {
  loading();
  const res = await get(`/v1/audit/projects/${id}`);
  if (!res.ok) return page(t('dossier'), failure(res));
  const d = res.body;
  const streamRows = d.streams.map((s) => h('tr', {}, h('td', {}, s.aggregate_type), h('td', {}, s.aggregate_id), h('td', {}, s.relation),
    h('td', {}, s.events), h('td', { 'data-chain': `${s.aggregate_type}/${s.aggregate_id}` }, s.chain?.ok ? '✓' : '✗')));
  const verdict = h('div', { id: 'verdict', role: 'status', 'aria-live': 'polite' });
  const verify = h('button', { type: 'button', onclick: async () => {
    verdict.textContent = t('loading');
    const results = await Promise.all(d.streams.map((s) =>
      get(`/v1/audit/streams/${encodeURIComponent(s.aggregate_type)}/${encodeURIComponent(s.aggregate_id)}/verify`).then((r) => ({ s, r }))));
    const broken = results.filter(({ r }) => !r.ok || !r.body.ok);
    const events = results.reduce((a, { r }) => a + (r.body?.events || 0), 0);
    verdict.className = 'verdict ' + (broken.length ? 'bad' : 'good');
    verdict.textContent = broken.length
      ? `${t('chain_broken')}: ${broken.map(({ s, r }) => `${s.aggregate_type}/${s.aggregate_id} @${r.body?.broken_at ?? r.status} ${r.body?.reason ?? ''}`).join('; ')}`
      : `${t('chain_ok')} (${results.length} ${t('streams')}, ${events} ${t('events')})`;
  } }, t('verify_chain'));
  const download = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    const r = await fetch(`/v1/audit/export?project=${encodeURIComponent(id)}`, { headers: { Authorization: 'Bearer ' + session.token } });
    if (!r.ok) { say(`${r.status}`); return; }
    const blob = await r.blob();
    const a = h('a', { href: URL.createObjectURL(blob), download: `dossier-${id}.jsonl` });
    document.body.append(a); a.click(); a.remove();
  } }, t('download_bundle'));
  const root = d.streams.find((s) => s.relation === 'root') || d.streams[0];
  const stateOut = h('div', { id: 'state-as-of' });
  const asOf = h('form', { class: 'panel', 'aria-label': t('state_as_of') },
    field(`${t('as_of_date')}（Asia/Shanghai 23:59:59）`, 'date', { type: 'date', required: true }),
    formError(), h('button', { type: 'submit' }, t('show_state')));
  onSubmit(asOf, () => {
    const date = val(asOf, 'date');
    if (!date) throw localProblem('date', t('as_of_date'));
    return `${date}T23:59:59+08:00`;
  }, (at) => get(`/v1/audit/streams/${encodeURIComponent(root.aggregate_type)}/${encodeURIComponent(root.aggregate_id)}/state?at=${encodeURIComponent(at)}`),
  (r) => {
    const s = r.body;
    stateOut.replaceChildren(dl([[t('version'), s.version], [t('as_of_date'), when(s.recorded_at)], [t('status'), s.state?.status ? badge(String(s.state.status).toLowerCase()) : '—']]),
      h('pre', { tabindex: '0', 'aria-label': t('state_as_of') }, JSON.stringify(s.state, null, 2)));
  }, { no_state_at_that_time: 'date', invalid_query: 'date' });
  const timeline = h('ol', { class: 'timeline', 'aria-label': t('timeline') }, d.timeline.map((e) => h('li', {},
    h('strong', {}, e.event_type), ' ', h('span', { class: 'meta' }, `${e.stream.aggregate_type} #${e.sequence} · ${when(e.recorded_at)} · ${e.metadata?.actor_sub ?? ''}`))));
  page(`${t('dossier')} ${id}`,
    h('div', { class: 'actions' }, verify, download), verdict,
    h('h2', {}, t('streams')),
    h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['type', t('id'), 'relation', t('events'), 'chain'].map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, streamRows))),
    h('h2', {}, t('state_as_of')), asOf, stateOut,
    h('h2', {}, t('timeline')), timeline);
}

async function accessLogPage() {
  loading();
  const res = await get('/v1/audit/access-log?limit=100');
  if (!res.ok) return page(t('access_log'), failure(res));
  page(t('access_log'), h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, [t('submitted'), t('sub'), t('role'), 'action', 'target'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, res.body.items.map((e) => h('tr', {}, h('td', {}, when(e.accessed_at)), h('td', {}, e.actor_sub), h('td', {}, e.actor_roles),
      h('td', {}, e.action), h('td', {}, e.target)))))));
}

// ---------- router ----------

const routes = [
  [/^#\/signin$/, signinPage],
  [/^#\/calls$/, () => callsPage(false)],
  [/^#\/calls\/([^/]+)$/, callPage],
  [/^#\/calls\/([^/]+)\/bid$/, bidFormPage],
  [/^#\/bids$/, myBidsPage],
  [/^#\/bids\/([^/]+)$/, bidPage],
  [/^#\/bids\/([^/]+)\/amend$/, amendPage],
  [/^#\/projects$/, myProjectsPage],
  [/^#\/projects\/([^/]+)$/, projectPage],
  [/^#\/reviews$/, reviewsPage],
  [/^#\/reviews\/([^/]+)$/, scorePage],
  [/^#\/officer$/, () => callsPage(true)],
  [/^#\/officer\/new$/, newCallPage],
  [/^#\/officer\/calls\/([^/]+)$/, officerCallPage],
  [/^#\/officer\/projects$/, officerProjectsPage],
  [/^#\/officer\/attention$/, attentionPage],
  [/^#\/officer\/consortia$/, consortiaPage],
  [/^#\/officer\/rounds$/, roundsPage],
  [/^#\/officer\/needs$/, needsPage],
  [/^#\/officer\/needs\/([^/]+)$/, needPage],
  [/^#\/officer\/kpis$/, kpisPage],
  [/^#\/officer\/kpis\/([^/]+)$/, kpiRowPage],
  [/^#\/evaluations$/, evaluationsPage],
  [/^#\/audit$/, auditPage],
  [/^#\/audit\/access-log$/, accessLogPage],
  [/^#\/clawbacks$/, clawbacksPage],
  [/^#\/audit\/projects\/([^/]+)$/, dossierPage],
];

function home() {
  if (!session.claims) return '#/signin';
  if (session.has('officer')) return '#/officer';
  if (session.has('reviewer')) return '#/reviews';
  if (session.has('auditor')) return '#/audit';
  return '#/calls';
}

async function route() {
  const hash = location.hash.split('?')[0];
  if (!session.claims && hash !== '#/signin') { location.hash = '#/signin'; return; }
  if (!hash || hash === '#/' || hash === '#') { location.hash = home(); return; }
  renderChrome();
  for (const [re, fn] of routes) {
    const m = re.exec(hash);
    if (m) {
      try { await fn(...m.slice(1).map(decodeURIComponent)); } catch (e) { page('Error', h('p', { role: 'alert' }, String(e))); }
      renderChrome();
      document.body.dataset.ready = hash;
      return;
    }
  }
  page('404', h('p', {}, h('a', { href: '#/' }, t('back'))));
}

document.getElementById('lang').addEventListener('click', () => { setLang(getLang() === 'en' ? 'zh' : 'en'); route(); });
document.getElementById('signout').addEventListener('click', () => { session.token = null; location.hash = '#/signin'; route(); });
window.addEventListener('hashchange', route);
route();
