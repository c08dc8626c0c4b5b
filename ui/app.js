/* app.js: podboot's fleet console: one page, hash routes, drawn from the
 * status API (docs/api.md) with the bearer token the user pastes in.
 * The token lives in sessionStorage only.  Every value from the server
 * reaches the page through text() (textContent), never as HTML. */
'use strict';

(function () {
	const TOKEN_KEY = 'podboot.token';
	const PODS_PAGE = 50;
	const NODES_PAGE = 25;
	const ALERTS_PAGE = 50;
	const ALERT_STATES = ['firing', 'pending', 'resolved'];
	const DETAIL_PARALLEL = 6;
	const RELOAD_WAIT_MS = 15000;	/* an unassign's reload, at most */
	const EVENT_PAGES = 20;
	const STATES = ['discovered', 'armed', 'booting', 'installing',
		'installed', 'failed'];
	const HEALTHS = ['up', 'down', 'unknown'];

	const main = document.getElementById('main');
	const who = document.getElementById('who');
	const signout = document.getElementById('signout');
	let session = null;		/* {token, scopes} of /api/v1/token */
	let drawing = 0;		/* the view being drawn; older ones stop */
	const cursors = {};		/* pod page: cursors of earlier pages */

	/* ---- building the page ------------------------------------------ */

	/* The one way a value reaches the page: as text, never as HTML. */
	function text(e, s) {
		e.textContent = s == null ? '' : String(s);
		return e;
	}

	/* Element @tag with attributes @attrs and children @kids: elements,
	 * or values shown as text; null and undefined are left out. */
	function h(tag, attrs, ...kids) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (v === null || v === undefined || v === false)
				continue;
			if (k === 'on')
				for (const [ev, fn] of Object.entries(v))
					e.addEventListener(ev, fn);
			else
				e.setAttribute(k, v === true ? '' : String(v));
		}
		for (const k of kids.flat(Infinity)) {
			if (k === null || k === undefined)
				continue;
			e.appendChild(k instanceof Node ? k :
				text(document.createElement('span'), k));
		}
		return e;
	}

	/* A link to console route @route (a hash, built from values by
	 * encodeURIComponent, so a value never becomes another route). */
	function link(route, label, attrs) {
		return h('a', Object.assign({ href: '#' + route }, attrs || {}),
			label);
	}

	/* A table of @rows under @heads; a head starting with '#' is a
	 * number column. */
	function table(heads, rows, attrs) {
		return h('table', attrs,
			h('thead', null, h('tr', null, heads.map((t) =>
				h('th', t[0] === '#' ? { class: 'num' } : null,
					t.replace(/^#/, ''))))),
			h('tbody', null, rows));
	}

	/* One figure of the overview: @value over @label. */
	function figure(label, value, bad, id) {
		return h('div', { class: 'figure' + (bad ? ' bad' : ''), id: id },
			h('span', { class: 'value' }, value),
			h('span', { class: 'label' }, label));
	}

	/* Replace the view with @nodes, marked as view @name in @state. */
	function show(name, state, ...nodes) {
		main.replaceChildren(...nodes.flat(Infinity).filter((n) => n));
		main.dataset.view = name;
		main.dataset.state = state;
	}

	/* @n bytes in binary units, or a dash when unknown. */
	function fmtBytes(n) {
		if (typeof n !== 'number')
			return '—';
		const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
		let i = 0;
		while (n >= 1024 && i < u.length - 1) {
			n /= 1024;
			i++;
		}
		return n.toFixed(i ? 1 : 0) + ' ' + u[i];
	}

	/* @n with thousands separators, or a dash when unknown. */
	function fmtNum(n) {
		return typeof n === 'number' ? n.toLocaleString('en') : '—';
	}

	/* The CSS class that colours value @v of @kind (state-failed). */
	function cls(kind, v) {
		return v ? kind + '-' + String(v).replace(/[^a-z]/g, '') : null;
	}

	/* ---- the API ------------------------------------------------------ */

	/* The session's token, or null when signed out. */
	function token() {
		return sessionStorage.getItem(TOKEN_KEY);
	}

	/* @method @path with the token; the JSON reply, or throws its error.
	 * A 401 ends the session. */
	async function api(path, method, tok) {
		const r = await fetch(path, {
			method: method || 'GET',
			headers: { Authorization: 'Bearer ' + (tok || token()) },
			cache: 'no-store',
			credentials: 'omit',
			referrerPolicy: 'no-referrer',
		});
		let body = null;
		try {
			body = await r.json();
		} catch (e) {
			body = null;
		}
		if (!r.ok) {
			const err = new Error((body && body.error) ||
				'HTTP ' + r.status);
			err.status = r.status;
			throw err;
		}
		return body;
	}

	/* A reply of a paged list as {total, items}: a page, or (a server
	 * without pages) the whole array, cut to [offset, offset + limit). */
	function page(body, key, offset, limit) {
		if (Array.isArray(body))
			return { total: body.length, next: null,
				items: body.slice(offset, offset + limit) };
		return { total: body.total, next: body.next || null,
			items: body[key] || [] };
	}

	/* ---- session ------------------------------------------------------ */

	/* Check @tok with the server; the session it opens, or throws. */
	async function openSession(tok) {
		const info = await api('/api/v1/token', 'GET', tok);
		if (!info.scopes.includes('status'))
			throw new Error("token '" + info.token +
				"' does not grant 'status': the console needs it");
		return { token: info.token, scopes: info.scopes };
	}

	/* Whether the session's token grants @scope. */
	function can(scope) {
		return !!session && session.scopes.includes(scope);
	}

	/* Show who is signed in, and the sign-out button. */
	function drawWho() {
		who.replaceChildren();
		signout.hidden = !session;
		if (session)
			text(who, 'signed in as ' + session.token + ' (' +
				session.scopes.join(', ') + ')');
	}

	/* Forget the token and show the sign-in form. */
	function signOut() {
		sessionStorage.removeItem(TOKEN_KEY);
		session = null;
		drawWho();
		location.hash = '#/signin';
	}

	/* The sign-in form, with error @msg if any. */
	function viewSignin(msg) {
		const input = h('input', { type: 'password', id: 'token',
			name: 'token', autocomplete: 'off', spellcheck: 'false',
			placeholder: 'pbt_...' });
		const err = h('p', { class: 'error', id: 'signin-error',
			hidden: !msg }, msg);
		const form = h('form', { class: 'signin', id: 'signin' },
			h('h1', null, 'Sign in'),
			h('label', { for: 'token' },
				'Paste a bearer token with scope status ' +
				'(and rearm to re-arm nodes):'),
			input,
			h('button', { type: 'submit' }, 'Sign in'),
			h('p', null, 'The token is kept in this browser tab ' +
				'only (sessionStorage) until you sign out or ' +
				'close the tab.'),
			err);
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const tok = input.value.trim();
			try {
				session = await openSession(tok);
				sessionStorage.setItem(TOKEN_KEY, tok);
				input.value = '';
				drawWho();
				location.hash = '#/';
			} catch (e) {
				err.hidden = false;
				text(err, 'Sign-in refused: ' + e.message);
			}
		});
		show('signin', 'ready', form);
		input.focus();
	}

	/* ---- overview ----------------------------------------------------- */

	/* @params as a query string ("?a=1"); empty values left out. */
	function query(params) {
		const q = new URLSearchParams();
		for (const [k, v] of Object.entries(params))
			if (v !== null && v !== undefined && v !== '')
				q.set(k, v);
		const s = q.toString();
		return s ? '?' + s : '';
	}

	/* A row of links, "any" and each of @values, that set @key of the
	 * route through @go; the current one is marked. */
	function filter(id, label, values, cur, go) {
		return h('span', { class: 'filter', id: id }, label + ': ',
			['', ...values].map((v) => [h('a', {
				href: go(v), id: id + '-' + (v || 'any'),
				class: v === cur ? 'current' : null,
			}, v || 'any'), ' ']));
	}

	/* The fleet: figures and the pods, most nodes down first. */
	async function viewOverview(args, me) {
		const health = args.get('health') || '';
		const state = args.get('state') || '';
		const offset = Math.max(0, parseInt(args.get('offset'), 10) || 0);
		show('overview', 'loading', h('h1', null, 'Fleet'),
			h('p', null, 'Loading…'));
		const counts = STATES.map((s) =>
			api('/api/v1/nodes?limit=1&state=' + s)
				.then((b) => page(b, 'nodes', 0, 1).total));
		const down = api('/api/v1/nodes?limit=1&health=down')
			.then((b) => page(b, 'nodes', 0, 1).total);
		/* The server counts them: one alert comes back, not all. */
		const alerts = api('/api/v1/alerts?state=firing&limit=1')
			.then((b) => Array.isArray(b) ? b.filter((a) =>
				a.state === 'firing').length : b.total);
		const pods = api('/api/v1/pods' + query({ sort: 'down',
			health: health, state: state, limit: PODS_PAGE,
			offset: offset }));
		const [c, d, firing, pb] = await Promise.all([
			Promise.all(counts), down, alerts, pods]);
		if (me !== drawing)
			return;
		const pg = page(pb, 'pods', offset, PODS_PAGE);
		let items = pg.items;
		if (Array.isArray(pb))	/* no server-side sort: sort here */
			items = pb.slice().sort((a, b) =>
				b.node_counts.down - a.node_counts.down)
				.slice(offset, offset + PODS_PAGE);
		const go = (k) => (v) => {
			const p = { health: health, state: state };
			p[k] = v;
			return '#/' + query(p);
		};
		const rows = items.map((p) => h('tr', null,
			h('td', null, link('/pod/' + encodeURIComponent(p.name),
				p.name, { class: 'pod-link' })),
			h('td', null, p.site),
			h('td', { class: 'num' }, fmtNum(p.node_counts.total)),
			h('td', { class: 'num' }, fmtNum(p.node_counts.up)),
			h('td', { class: 'num' + (p.node_counts.down ?
				' health-down' : '') }, fmtNum(p.node_counts.down)),
			h('td', { class: 'num' }, fmtNum(p.node_counts.installing)),
			h('td', { class: 'num' }, fmtNum(p.node_counts.installed)),
			h('td', { class: 'num' }, fmtNum(p.node_counts.failed))));
		const at = (o) => '#/' + query({ health: health, state: state,
			offset: o || null });
		show('overview', 'ready',
			h('h1', null, 'Fleet'),
			h('div', { class: 'figures', id: 'figures' },
				STATES.map((s, i) => figure(s, fmtNum(c[i]),
					s === 'failed' && c[i] > 0, 'count-' + s)),
				figure('nodes down', fmtNum(d), d > 0, 'count-down'),
				figure('alerts firing', fmtNum(firing), firing > 0,
					'count-firing'),
				figure('pods', fmtNum(pg.total), false, 'count-pods')),
			h('h2', null, 'Pods, most nodes down first'),
			h('div', { class: 'toolbar' },
				filter('f-health', 'with nodes', HEALTHS, health,
					go('health')),
				filter('f-state', 'with nodes in state', STATES,
					state, go('state'))),
			table(['Pod', 'Site', '#Nodes', '#Up', '#Down',
				'#Installing', '#Installed', '#Failed'], rows,
				{ id: 'pods' }),
			h('div', { class: 'pager' },
				h('span', { id: 'pods-range' }, pg.total ?
					(offset + 1) + '–' + (offset + items.length) +
					' of ' + fmtNum(pg.total) : 'no pods'),
				offset > 0 ? h('a', { href: at(Math.max(0,
					offset - PODS_PAGE)), id: 'pods-prev' },
					'← previous') : null,
				offset + items.length < pg.total ?
					h('a', { href: at(offset + PODS_PAGE),
						id: 'pods-next' }, 'next →') : null));
	}

	/* ---- pod ---------------------------------------------------------- */

	/* Each of @items through @fn, at most @n at a time. */
	async function each(items, n, fn) {
		const out = new Array(items.length);
		let next = 0;
		const worker = async () => {
			while (next < items.length) {
				const i = next++;
				out[i] = await fn(items[i]).catch(() => null);
			}
		};
		await Promise.all(Array.from({ length: n }, worker));
		return out;
	}

	/* Pod @name: its facts and a page of its nodes with their health. */
	async function viewPod(name, args, me) {
		const health = args.get('health') || '';
		const after = args.get('after') || '';
		const key = name + '/' + health;
		show('pod', 'loading', h('h1', null, 'Pod ', name),
			h('p', null, 'Loading…'));
		const [pod, nb] = await Promise.all([
			api('/api/v1/pods/' + encodeURIComponent(name)),
			api('/api/v1/nodes' + query({ pod: name, health: health,
				limit: NODES_PAGE, after: after })),
		]);
		if (me !== drawing)
			return;
		const pg = page(nb, 'nodes', 0, NODES_PAGE);
		const details = await each(pg.items, DETAIL_PARALLEL, (n) =>
			api('/api/v1/nodes/' + encodeURIComponent(n.id)));
		if (me !== drawing)
			return;
		const rows = pg.items.map((n, i) => {
			const hl = details[i] && details[i].health;
			const m = (hl && hl.metrics) || {};
			return h('tr', null,
				h('td', null, link('/node/' + encodeURIComponent(n.id),
					n.id, { class: 'node-link' })),
				h('td', { class: cls('state', n.state) }, n.state),
				h('td', { class: cls('health', n.health) }, n.health),
				h('td', null, (hl && hl.last_push_at) || 'never'),
				h('td', { class: 'num' }, m.load1 === undefined ?
					'—' : m.load1),
				h('td', { class: 'num' },
					fmtBytes(m.memory_available_bytes)),
				h('td', { class: 'num' },
					fmtBytes(m.root_avail_bytes)));
		});
		const nc = pod.node_counts;
		const route = (p) => '#/pod/' + encodeURIComponent(name) +
			query(p);
		const trail = cursors[key] || [];
		show('pod', 'ready',
			h('h1', null, 'Pod ', name),
			h('dl', { class: 'facts' },
				h('dt', null, 'site'), h('dd', null, pod.site),
				h('dt', null, 'profile'), h('dd', null, pod.profile),
				h('dt', null, 'provisioning'),
				h('dd', null, pod.provisioning && pod.provisioning.cidr),
				h('dt', null, 'management'),
				h('dd', null, pod.management && pod.management.cidr),
				h('dt', null, 'nodes'),
				h('dd', { id: 'pod-counts' }, nc.total + ' (' +
					nc.up + ' up, ' + nc.down + ' down; ' +
					STATES.map((s) => nc[s] + ' ' + s)
						.join(', ') + ')')),
			h('h2', null, 'Nodes'),
			h('div', { class: 'toolbar' },
				filter('f-node-health', 'health', HEALTHS, health,
					(v) => route({ health: v }))),
			table(['Node', 'State', 'Health', 'Last push', '#Load',
				'#Memory available', '#Root available'], rows,
				{ id: 'nodes' }),
			h('div', { class: 'pager' },
				h('span', { id: 'nodes-total' }, fmtNum(pg.total) +
					' nodes'),
				after ? h('a', { href: route({ health: health,
					after: trail.length ? trail[trail.length - 1] :
						null }), on: { click: () => trail.pop() } },
				'← previous') : null,
				pg.next ? h('a', { href: route({ health: health,
					after: pg.next }), id: 'nodes-next',
				on: { click: () => { trail.push(after);
					cursors[key] = trail; } } }, 'next →') :
					null));
	}

	/* ---- node --------------------------------------------------------- */

	/* What node @n's next network boot is served (docs/api.md, the
	 * one-shot rule). */
	function nextBoot(n) {
		const state = n.state;
		if (state !== 'discovered' && n.configured === false)
			return 'what the server serves a machine it does not ' +
				'know (policy.unknown): it is not in the ' +
				'configuration';
		if (['armed', 'booting', 'installing'].includes(state))
			return 'the installer (signed stage2 with the pinned ' +
				'kernel and initrd)';
		if (state === 'discovered')
			return 'the wait-and-retry script until it is assigned';
		return 'the local-boot script (re-arm to install again)';
	}

	/* Where node @n's configuration comes from, in words. */
	function origin(n) {
		if (n.assigned)
			return 'assigned through the API';
		if (n.configured)
			return 'the configuration file';
		return n.state === 'discovered' ? 'none: discovered, not ' +
			'assigned yet' : 'none: no longer in the configuration';
	}

	/* Sleep @ms milliseconds. */
	function pause(ms) {
		return new Promise((resolve) => setTimeout(resolve, ms));
	}

	/* After node @id was unassigned: wait (at most RELOAD_WAIT_MS) for
	 * the reload the server started to take it out of the
	 * configuration; whether it did. */
	async function reloaded(id) {
		const until = Date.now() + RELOAD_WAIT_MS;
		for (;;) {
			const n = await api('/api/v1/nodes/' +
				encodeURIComponent(id)).catch(() => null);
			if (n && !n.assigned)
				return true;
			if (Date.now() >= until)
				return false;
			await pause(250);
		}
	}

	/* What the person is told once action @what on @id succeeded with
	 * reply @r. */
	async function outcome(what, id, r) {
		if (what !== 'unassign')
			return r.node + ': ' + r.state + (r.generation !==
				undefined ? ' (install ' + r.generation + ')' : '');
		return (await reloaded(id)) ?
			r.node + ' unassigned (' + r.mac + '): it has left ' +
				'pod ' + r.pod + ' and the configuration, and ' +
				'its tokens no longer work.' :
			r.node + ' unassigned (' + r.mac + '): its tokens no ' +
				'longer work; the server has not reloaded yet ' +
				'(see its log).';
	}

	/* The re-arm and unassign buttons, each behind a confirmation:
	 * re-arm for a configured node, unassign only for a node assigned
	 * through the API (the server refuses it for the file's). */
	function actions(n, done) {
		if (!can('rearm'))
			return null;
		const box = h('div', { id: 'actions' });
		const ask = (what, verb, warn) => () => {
			const yes = h('button', { class: 'danger', type: 'button',
				id: 'confirm-' + what }, 'Confirm ' + verb);
			const no = h('button', { type: 'button',
				id: 'cancel-' + what }, 'Cancel');
			const q = h('div', { class: 'confirm', id: 'confirm' },
				h('p', null, verb + ' ' + n.id + '? ' + warn),
				yes, ' ', no);
			no.addEventListener('click', () => q.remove());
			yes.addEventListener('click', async () => {
				yes.disabled = true;
				try {
					const r = await api('/api/v1/nodes/' +
						encodeURIComponent(n.id) + '/' + what,
						'POST');
					done(await outcome(what, n.id, r));
				} catch (e) {
					q.replaceChildren(h('p', { class: 'error' },
						verb + ' refused: ' + e.message));
				}
			});
			box.querySelector('#confirm')?.remove();
			box.appendChild(q);
		};
		const rearm = n.configured && n.state !== 'discovered';
		const unassign = !!n.assigned;	/* the file's: refused */
		if (!rearm && !unassign)
			return null;
		box.appendChild(h('h2', null, 'Actions'));
		if (rearm)
			box.appendChild(h('button', { type: 'button', id: 'rearm',
				on: { click: ask('rearm', 'Re-arm', 'Its next ' +
					'network boot installs it again; its ' +
					'current token stops working.') } }, 'Re-arm'));
		box.appendChild(document.createTextNode(' '));
		if (unassign)
			box.appendChild(h('button', { type: 'button',
				id: 'unassign', on: { click: ask('unassign',
					'Unassign', 'It leaves pod ' + n.pod +
					' and the configuration, and its tokens ' +
					'stop working.') } }, 'Unassign'));
		return box;
	}

	/* Node @id: facts, actions, stage2, artifacts and events. */
	async function viewNode(id, notice, me) {
		show('node', 'loading', h('h1', null, 'Node ', id),
			h('p', null, 'Loading…'));
		const [n, s2] = await Promise.all([
			api('/api/v1/nodes/' + encodeURIComponent(id)),
			api('/api/v1/nodes/' + encodeURIComponent(id) + '/stage2')
				.catch((e) => ({ error: e.message, artifacts: [] })),
		]);
		if (me !== drawing)
			return;
		const hl = n.health || {};
		const m = hl.metrics || {};
		const fact = (k, v, attrs) => [h('dt', null, k),
			h('dd', attrs || null, v)];
		const redraw = (msg) => route(msg);
		const events = (n.events || []).slice().reverse();
		show('node', 'ready',
			h('h1', null, 'Node ', n.id),
			notice ? h('p', { class: 'notice', id: 'notice' }, notice) :
				null,
			h('dl', { class: 'facts' },
				fact('state', n.state, { id: 'node-state',
					class: cls('state', n.state) }),
				fact('health', hl.up ? 'up' : (n.state === 'installed' ||
					hl.last_push_at ? 'down' : 'unknown'),
				{ id: 'node-health' }),
				fact('pod', n.pod ? link('/pod/' +
					encodeURIComponent(n.pod), n.pod) : '—'),
				fact('configuration', origin(n),
					{ id: 'node-origin' }),
				fact('install generation', n.generation),
				fact('MAC', n.mac),
				fact('hostname', n.hostname || '—'),
				fact('address', n.address || '—'),
				fact('serial', n.serial || '—'),
				fact('last change', n.updated_at),
				fact('last push', hl.last_push_at || 'never'),
				fact('pushes', fmtNum(hl.pushes) + ' (' +
					fmtNum(hl.gaps) + ' gaps, ' +
					fmtNum(hl.duplicates) + ' duplicates)'),
				fact('load', m.load1 === undefined ? '—' : m.load1),
				fact('memory', fmtBytes(m.memory_available_bytes) +
					' available of ' + fmtBytes(m.memory_total_bytes)),
				fact('root filesystem', fmtBytes(m.root_avail_bytes) +
					' available')),
			actions(n, redraw),
			h('h2', null, 'Stage2'),
			h('dl', { class: 'facts', id: 'stage2' },
				fact('profile', s2.profile || n.profile || '—'),
				fact('next network boot', nextBoot(n)),
				fact('verdict', s2.error ? 'not shown: ' + s2.error :
					s2.verdict + (s2.marks_booting ? ' (the fetch ' +
						'moves it to booting)' : ''),
				{ id: 'stage2-verdict' }),
				fact('URL', h('span', { class: 'mono' },
					'/boot/stage2.ipxe?mac=' + n.mac))),
			s2.why ? h('p', { class: 'error', id: 'stage2-why' }, s2.why) :
				null,
			s2.script ? h('pre', { class: 'script', id: 'stage2-script' },
				s2.script) : null,
			h('h2', null, 'Artifacts of its profile'),
			table(['Name', 'SHA-256', '#Size', 'Signer serial'],
				s2.artifacts.map((a) => h('tr', null,
					h('td', null, a.name),
					h('td', { class: 'mono' }, a.published ? a.sha256 :
						'not published'),
					h('td', { class: 'num' }, a.published ?
						fmtNum(a.size) : '—'),
					h('td', { class: 'mono' }, a.signer_serial || '—'))),
				{ id: 'node-artifacts' }),
			h('h2', null, 'Events, newest first'),
			h('ol', { class: 'timeline', id: 'events' },
				events.length ? events.map((e) => h('li', null,
					h('span', { class: 'time' }, e.time),
					h('span', { class: 'kind' }, e.kind),
					h('span', { class: 'detail' }, e.detail))) :
					h('li', null, 'no events')));
	}

	/* ---- artifacts ------------------------------------------------------ */

	/* Who uploaded each version: sha256 -> "token NAME from ADDR" or
	 * "offline", from the audit trail's upload events, which the server
	 * picks out (?kind=upload; at most EVENT_PAGES pages of 1,000). */
	async function uploaders() {
		const out = {};
		let after = 0;
		for (let i = 0; i < EVENT_PAGES; i++) {
			const evs = await api('/api/v1/events?kind=upload' +
				'&limit=1000&after=' + after);
			for (const e of evs) {
				const d = /^sha256 ([0-9a-f]{64}), [0-9]+ bytes, (.*?), signed by/
					.exec(e.kind === 'upload' ? e.detail : '');
				if (d)
					out[d[1]] = d[2] === 'published offline' ?
						'offline (podboot publish)' : d[2];
			}
			if (evs.length < 1000)
				break;
			after = evs[evs.length - 1].id;
		}
		return out;
	}

	/* Every kept artifact version, its signer and its uploader. */
	async function viewArtifacts(me) {
		show('artifacts', 'loading', h('h1', null, 'Artifacts'),
			h('p', null, 'Loading…'));
		const [arts, by] = await Promise.all([api('/api/v1/artifacts'),
			uploaders().catch(() => ({}))]);
		if (me !== drawing)
			return;
		show('artifacts', 'ready', h('h1', null, 'Artifacts'),
			table(['Name', 'Current', 'SHA-256', '#Size', 'Created',
				'Signer', 'Signer serial', 'Signer valid until',
				'Uploaded by'],
			arts.map((a) => h('tr', null,
				h('td', null, a.name),
				h('td', null, a.current ? 'current' : ''),
				h('td', { class: 'mono' }, a.sha256),
				h('td', { class: 'num' }, fmtNum(a.size)),
				h('td', null, a.created_at),
				h('td', null, a.signer),
				h('td', { class: 'mono' }, a.signer_serial || '—'),
				h('td', null, a.signer_not_after || '—'),
				h('td', null, by[a.sha256] || '—'))),
			{ id: 'artifacts' }));
	}

	/* ---- alerts --------------------------------------------------------- */

	/* A server without pages: its alerts in @state (all when empty),
	 * firing first, as the server that pages orders them. */
	function byState(al, state) {
		const rank = (a) => {
			const i = ALERT_STATES.indexOf(a.state);
			return i < 0 ? ALERT_STATES.length : i;
		};
		return al.filter((a) => !state || a.state === state)
			.sort((a, b) => rank(a) - rank(b) ||
				String(a.alertname).localeCompare(b.alertname) ||
				String(a.node).localeCompare(b.node));
	}

	/* The alerts the server holds, firing first, ALERTS_PAGE a page,
	 * filtered by state on the server. */
	async function viewAlerts(args, me) {
		const state = args.get('state') || '';
		const offset = Math.max(0, parseInt(args.get('offset'), 10) || 0);
		show('alerts', 'loading', h('h1', null, 'Alerts'),
			h('p', null, 'Loading…'));
		const body = await api('/api/v1/alerts' + query({ state: state,
			limit: ALERTS_PAGE, offset: offset }));
		if (me !== drawing)
			return;
		const pg = page(Array.isArray(body) ? byState(body, state) : body,
			'alerts', offset, ALERTS_PAGE);
		const al = pg.items;
		const at = (p) => '#/alerts' + query(p);
		show('alerts', 'ready', h('h1', null, 'Alerts'),
			h('div', { class: 'toolbar' },
				filter('f-alert-state', 'state', ALERT_STATES, state,
					(v) => at({ state: v }))),
			al.length ? table(['Alert', 'State', 'Pod', 'Node',
				'#Value', 'Active since', 'Fired', 'Resolved'],
			al.map((a) => h('tr', null,
				h('td', null, a.alertname),
				h('td', { class: cls('alert', a.state) }, a.state),
				h('td', null, a.pod ? link('/pod/' +
					encodeURIComponent(a.pod), a.pod) : '—'),
				h('td', null, a.node ? link('/node/' +
					encodeURIComponent(a.node), a.node) : '—'),
				h('td', { class: 'num' }, a.value),
				h('td', null, a.active_at),
				h('td', null, a.fired_at || '—'),
				h('td', null, a.resolved_at || '—'))),
			{ id: 'alerts' }) : h('p', { id: 'alerts' },
				'No alerts.'),
			h('div', { class: 'pager' },
				h('span', { id: 'alerts-range' }, pg.total ?
					(offset + 1) + '–' + (offset + al.length) +
					' of ' + fmtNum(pg.total) : 'none'),
				offset > 0 ? h('a', { href: at({ state: state,
					offset: Math.max(0, offset - ALERTS_PAGE) ||
						null }), id: 'alerts-prev' },
				'← previous') : null,
				offset + al.length < pg.total ?
					h('a', { href: at({ state: state,
						offset: offset + ALERTS_PAGE }),
					id: 'alerts-next' }, 'next →') : null));
	}

	/* ---- routes --------------------------------------------------------- */

	/* Draw the view the hash names; @notice is shown on a node page. */
	async function route(notice) {
		const me = ++drawing;
		const hash = location.hash.replace(/^#/, '') || '/';
		const qi = hash.indexOf('?');
		const path = qi < 0 ? hash : hash.slice(0, qi);
		const args = new URLSearchParams(qi < 0 ? '' : hash.slice(qi + 1));
		const parts = path.split('/').map((p) => {
			try {
				return decodeURIComponent(p);
			} catch (e) {
				return p;
			}
		});
		if (!token() || path === '/signin') {
			if (token())
				return void (location.hash = '#/');
			return viewSignin();
		}
		try {
			if (!session) {
				session = await openSession(token());
				drawWho();
			}
			if (path === '/')
				await viewOverview(args, me);
			else if (parts[1] === 'pod' && parts.length === 3)
				await viewPod(parts[2], args, me);
			else if (parts[1] === 'node' && parts.length === 3)
				await viewNode(parts[2], typeof notice === 'string' ?
					notice : null, me);
			else if (path === '/artifacts')
				await viewArtifacts(me);
			else if (path === '/alerts')
				await viewAlerts(args, me);
			else
				show('missing', 'ready', h('p', { class: 'error' },
					'No such page.'), link('/', 'Back to the fleet'));
		} catch (e) {
			if (me !== drawing)
				return;
			if (e.status === 401) {
				sessionStorage.removeItem(TOKEN_KEY);
				session = null;
				drawWho();
				return viewSignin('The server refused the token: ' +
					e.message);
			}
			show(main.dataset.view || 'error', 'error',
				h('p', { class: 'error', id: 'error' }, e.message));
		}
	}

	signout.addEventListener('click', signOut);
	window.addEventListener('hashchange', () => route());
	route();
}());
