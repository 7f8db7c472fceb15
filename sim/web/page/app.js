// The simulator page's script: follows the stream (state, events), draws them, and sends the
// buttons, keypad and keyboard to the control API. Plain browser JavaScript, no library.
'use strict';
(() => {
  const token = new URLSearchParams(location.search).get('token') || '';
  const $ = (id) => document.getElementById(id);
  const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
  let run = null;
  let state = null;
  let firstState = true;
  const seen = new Set();

  // ---- actions ----
  async function post(path, body) {
    const result = $('result');
    try {
      const res = await fetch(`/api/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body || {}),
      });
      const answer = await res.json();
      result.classList.toggle('error', !res.ok);
      result.textContent = res.ok ? `${path}: ${describeAnswer(answer)}` : `${path}: ${answer.error.code}: ${answer.error.message}`;
    } catch {
      result.classList.add('error');
      result.textContent = `${path}: the simulator does not answer`;
    }
  }
  const describeAnswer = (a) => (a.access ? `${a.access.allow ? 'allowed' : 'refused'} (${a.access.reason})` : a.result || a.to || 'done');

  for (const button of document.querySelectorAll('button[data-api]')) {
    button.addEventListener('click', () => post(button.dataset.api, button.dataset.body ? JSON.parse(button.dataset.body) : {}));
  }
  $('tamper').addEventListener('click', () => post('tamper', { on: !(state && state.world.tamper) }));
  $('battery-set').addEventListener('change', (e) => post('battery', { percent: Number(e.target.value) }));
  const thumb = $('thumb');
  thumb.addEventListener('click', () => post('thumb-turn'));
  thumb.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      post('thumb-turn');
    }
  });
  const keypad = $('keypad');
  for (const key of KEYS) {
    const b = document.createElement('button');
    b.textContent = key;
    b.dataset.key = key;
    b.setAttribute('aria-label', `key ${key}`);
    b.addEventListener('click', () => pressKey(key));
    keypad.append(b);
  }
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || (e.target && e.target.tagName === 'INPUT')) return;
    if (KEYS.includes(e.key) && state && state.keypad) pressKey(e.key);
  });
  // Keys go out one at a time, each held 150 ms (a finger's press) and the next sent 200 ms after: two keys held at once are a chord.
  const keyQueue = [];
  let keyBusy = false;
  function pressKey(key) {
    keyQueue.push(key);
    if (!keyBusy) nextKey();
  }
  async function nextKey() {
    const key = keyQueue.shift();
    if (key === undefined) {
      keyBusy = false;
      return;
    }
    keyBusy = true;
    await post('keypad/press', { key, holdMs: 150 });
    setTimeout(nextKey, 200);
  }

  // ---- drawing ----
  const setClass = (id, cls, on) => $(id).classList.toggle(cls, Boolean(on));
  // SVG elements have no `hidden` property: the attribute, which the stylesheet hides, works on both.
  const show = (id, on) => $(id).toggleAttribute('hidden', !on);
  function render(s) {
    state = s;
    const w = s.world;
    const box = s.enclosure === 'parcel-box';
    document.body.className = box ? 'parcel-box' : 'door';
    $('board').textContent = `${s.board}${box ? ' (parcel box)' : ''}`;
    show('door', !box);
    show('box', box);
    show('keypad-area', s.keypad);
    const pos = Math.max(0, Math.min(1, w.bolt.position));
    const drive = { extend: 'throwing ▶', retract: '◀ withdrawing', stop: 'stop' }[w.bolt.drive];
    if (box) {
      const latch = $('latch');
      latch.setAttribute('x', String(270 + 30 * pos));
      latch.dataset.position = pos.toFixed(3);
      latch.classList.toggle('jammed', w.bolt.jammed);
      setClass('lid', 'open', w.door.open);
      setClass('box-contact', 'closed', !w.door.open);
      setClass('box-contact-lid', 'closed', !w.door.open);
      setClass('box-sw-locked', 'on', w.bolt.thrown);
      setClass('box-sw-unlocked', 'on', w.bolt.withdrawn);
      $('box-drive').textContent = drive;
      $('box-label').textContent = `lid ${w.door.open ? 'open' : 'closed'}`;
      show('box-jam', w.bolt.jammed);
      show('box-forced', w.door.forced);
    } else {
      const bolt = $('bolt');
      bolt.setAttribute('x', String(262 + 30 * pos));
      bolt.dataset.position = pos.toFixed(3);
      bolt.classList.toggle('jammed', w.bolt.jammed);
      $('thumb-bar').setAttribute('transform', `rotate(${Math.round(90 * pos)} 280 222)`);
      setClass('leaf', 'open', w.door.open);
      setClass('contact-frame', 'closed', !w.door.open);
      setClass('contact-leaf', 'closed', !w.door.open);
      setClass('sw-locked', 'on', w.bolt.thrown);
      setClass('sw-unlocked', 'on', w.bolt.withdrawn);
      $('drive').textContent = drive;
      $('door-label').textContent = `door ${w.door.open ? 'open' : 'closed'}`;
      show('jam', w.bolt.jammed);
      show('forced', w.door.forced);
    }
    const where = w.bolt.thrown ? 'thrown' : w.bolt.withdrawn ? 'withdrawn' : `${Math.round(pos * 100)} % out`;
    $('summary').textContent = `${box ? 'Latch' : 'Bolt'} ${where}${w.bolt.jammed ? ', jammed' : ''}; ${box ? 'lid' : 'door'} ${w.door.open ? 'open' : 'closed'}${w.door.forced ? ' (forced)' : ''}; camera ${cameraText(w.camera)}.`;
    $('lock-state').textContent = s.lock.state;
    $('mode').textContent = s.lock.paired ? s.lock.mode : 'unpaired';
    $('alarms').textContent = s.lock.alarms.length ? s.lock.alarms.join(', ') : 'none';
    setClass('alarms', 'warn-text', s.lock.alarms.length);
    $('battery').value = w.battery === null ? 0 : w.battery;
    $('battery-text').textContent = w.battery === null ? 'none' : `${Math.round(w.battery)} %`;
    setClass('rec-light', 'on', w.camera && w.camera.recording);
    $('cam-text').textContent = cameraText(w.camera);
    setClass('led', 'on', w.led);
    $('led').setAttribute('aria-label', `status LED ${w.led ? 'on' : 'off'}`);
    setClass('buzzer', 'on', w.buzzer);
    $('buzzer').setAttribute('aria-label', `buzzer ${w.buzzer ? 'sounding' : 'quiet'}`);
    if (firstState) {
      firstState = false;
      document.documentElement.dataset.firstStateMs = String(Math.round(performance.now()));
    }
  }
  const cameraText = (c) => (!c ? 'none' : c.recording ? 'REC' : c.triggered ? 'starting' : 'off');

  // ---- timeline ----
  function describe(e) {
    const d = e.data;
    const short = (id) => (id ? String(id).slice(0, 8) : '');
    switch (e.type) {
      case 'access':
        return { what: d.allow ? 'access ok' : 'access refused', who: [d.role, short(d.grant)].filter(Boolean).join(' ') || 'unknown', how: `${d.via} ${d.kind}`, reason: d.reason, cls: d.allow ? 'allowed' : 'refused' };
      case 'operation':
        return { what: `${d.op} ${d.outcome}`, how: `${d.cause}, ${d.ms} ms${d.retried ? ', retried' : ''}`, cls: d.outcome === 'done' ? '' : 'refused' };
      case 'bolt':
        return { what: `bolt ${d.from} → ${d.to}`, how: String(d.cause) };
      case 'door':
        return { what: `door ${d.state}` };
      case 'manual':
        return { what: `thumb-turn: ${d.position}`, how: 'by hand' };
      case 'alarm':
        return { what: `alarm ${d.kind} ${d.active ? 'raised' : 'cleared'}`, cls: d.active ? 'alarm' : '' };
      case 'delivery':
        return { what: `visit ${d.step}`, who: [d.role, short(d.grant)].filter(Boolean).join(' '), how: d.via, reason: d.reason, cls: d.step === 'refused' || d.step === 'aborted' ? 'refused' : '' };
      case 'mode':
        return { what: `mode ${d.mode}` };
      case 'battery':
        return { what: `battery ${d.percent} %` };
      case 'keypad-lockout':
        return { what: `keypad locked out ${Math.round(d.forMs / 1000)} s`, cls: 'refused' };
      default:
        return { what: e.type, reason: JSON.stringify(d) };
    }
  }

  function addEvent(e) {
    const key = `${e.signed ? 's' : 'l'}${e.seq}`;
    if (seen.has(key)) return;
    seen.add(key);
    const t = describe(e);
    const li = document.createElement('li');
    li.className = `${e.type} ${t.cls || ''}`;
    li.dataset.type = e.type;
    const time = document.createElement('time');
    time.dateTime = new Date(e.at).toISOString();
    time.textContent = new Date(e.at).toLocaleTimeString();
    const what = document.createElement('span');
    what.className = 'what';
    what.textContent = t.what;
    const sig = document.createElement('span');
    sig.className = `sig${e.signed ? (e.signed.ok ? '' : ' bad') : ' none'}`;
    sig.textContent = e.signed ? (e.signed.ok ? 'signed ✓' : `signature ✗ (${e.signed.reason})`) : 'unsigned';
    const detail = document.createElement('span');
    detail.className = 'detail';
    detail.textContent = [t.who && `who: ${t.who}`, t.how && `how: ${t.how}`, t.reason && `reason: ${t.reason}`].filter(Boolean).join(' · ');
    li.append(time, what, sig, detail);
    const list = $('timeline');
    list.prepend(li);
    while (list.children.length > 200) list.lastElementChild.remove();
  }

  function flash(id) {
    setClass(id, 'on', true);
    setTimeout(() => setClass(id, 'on', false), 800);
  }

  // ---- the stream ----
  let source = null;
  function connect() {
    source = new EventSource(`/api/stream?token=${encodeURIComponent(token)}`);
    source.addEventListener('open', () => {
      $('conn').textContent = 'live';
      setClass('conn', 'live', true);
    });
    source.addEventListener('history', (m) => {
      const { events } = JSON.parse(m.data);
      $('timeline').replaceChildren();
      seen.clear();
      for (const e of events) addEvent(e);
    });
    source.addEventListener('state', (m) => {
      const s = JSON.parse(m.data);
      if (run !== s.run) {
        run = s.run;
        document.documentElement.dataset.run = run;
      }
      render(s);
    });
    source.addEventListener('event', (m) => {
      const e = JSON.parse(m.data);
      addEvent(e);
      if (e.type === 'access' && e.data.via === 'barcode') flash('beam');
    });
    source.addEventListener('error', () => {
      setClass('conn', 'live', false);
      $('conn').textContent = 'simulator not answering: reconnecting…';
      if (source.readyState === EventSource.CLOSED) {
        source = null;
        setTimeout(probe, 1000);
      }
    });
  }
  // The stream was refused (not just cut): a new token, or the simulator is still starting.
  async function probe() {
    try {
      const res = await fetch(`/api/state?token=${encodeURIComponent(token)}`);
      if (res.status === 401) $('conn').textContent = 'the simulator restarted with a new token: open the address it printed';
    } catch {
      // not up yet
    }
    connect();
  }
  connect();
})();
