// WebRTC Demo: two tabs in a room meet through the engine, then talk peer to peer over a data channel.
// Signalling uses only /labs.js: each tab subscribes to the signals addressed to it (or to everyone in its
// room) and inserts hello / offer / answer / candidate documents; the TTL index removes them after 10 minutes.
// Who offers: of two tabs that see each other, the one with the smaller id (so exactly one side offers).
import { labs } from '/labs.js';

const byId = (id) => document.getElementById(id);
const room = (location.hash.slice(1).match(/^[A-Za-z0-9_-]{1,64}$/) || ['lobby'])[0];
const me = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
let peer = null; // { id, pc, channel }
const early = []; // candidates that arrive before the remote description

byId('room').textContent = room;
byId('me').textContent = me;
byId('share').href = '#' + room;

function setState(s) {
  byId('state').textContent = s;
  document.body.dataset.state = s;
}

function log(text, mine) {
  const li = document.createElement('li');
  li.textContent = text;
  if (mine) li.className = 'mine';
  byId('log').appendChild(li);
}

function fail(e) {
  const s = byId('status');
  s.textContent = String(e && e.message ? e.message : e);
  s.classList.add('error');
}

const signal = (to, kind, extra = {}) => labs.insert('signals', { room, from: me, to, kind, ...extra }).catch(fail);

function connection(remote) {
  const pc = new RTCPeerConnection({ iceServers: [] }); // host candidates: same machine or LAN, no STUN needed
  peer = { id: remote, pc, channel: null };
  pc.onicecandidate = (ev) => {
    if (ev.candidate) signal(remote, 'candidate', { candidate: ev.candidate.toJSON() });
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') setState(pc.connectionState);
  };
  pc.ondatachannel = (ev) => attach(ev.channel);
  return pc;
}

function attach(channel) {
  peer.channel = channel;
  channel.onopen = () => {
    setState('connected');
    for (const el of byId('send').elements) el.disabled = false;
  };
  channel.onmessage = (ev) => log(String(ev.data).slice(0, 500));
  channel.onclose = () => setState('closed');
}

async function onSignal(ev) {
  if (ev.type !== 'insert') return;
  const s = ev.doc;
  if (s.from === me || (s.to !== me && s.to !== '*')) return;
  try {
    if (s.kind === 'hello' && !peer) {
      if (me < s.from) {
        const pc = connection(s.from);
        attach(pc.createDataChannel('chat'));
        await pc.setLocalDescription(await pc.createOffer());
        setState('offering');
        await signal(s.from, 'offer', { sdp: pc.localDescription.sdp });
      } else if (s.to === '*') {
        await signal(s.from, 'hello'); // the other tab has the smaller id: it offers once it hears from us
      }
    } else if (s.kind === 'offer' && (!peer || peer.id === s.from)) {
      const pc = peer ? peer.pc : connection(s.from);
      await pc.setRemoteDescription({ type: 'offer', sdp: s.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      setState('answering');
      await signal(s.from, 'answer', { sdp: pc.localDescription.sdp });
      while (early.length) await pc.addIceCandidate(early.shift());
    } else if (s.kind === 'answer' && peer && peer.id === s.from) {
      await peer.pc.setRemoteDescription({ type: 'answer', sdp: s.sdp });
      while (early.length) await peer.pc.addIceCandidate(early.shift());
    } else if (s.kind === 'candidate' && s.candidate) {
      if (peer && peer.id === s.from && peer.pc.remoteDescription) await peer.pc.addIceCandidate(s.candidate);
      else early.push(s.candidate);
    }
  } catch (e) {
    fail(e);
  }
}

byId('send').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = ev.currentTarget.elements.text;
  const text = input.value.trim();
  if (!text || !peer || !peer.channel || peer.channel.readyState !== 'open') return;
  peer.channel.send(text);
  log(text, true);
  input.value = '';
});

let announced = false;
labs.subscribe({ collection: 'signals', filter: { room, to: { $in: [me, '*'] } }, fields: 'from,to,kind,sdp,candidate' }, onSignal, {
  onReady: () => {
    if (!announced) {
      announced = true;
      setState('waiting for another browser');
      signal('*', 'hello');
    }
  },
  onError: fail,
});
