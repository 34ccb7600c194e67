// Blackjack front-end: every move is a function call; the browser only ever sees what the functions return.
(function () {
  'use strict';
  const api = 'api/_functions/';
  const suits = { S: '\u2660', H: '\u2665', D: '\u2666', C: '\u2663' };
  let hand = null;

  function $(id) { return document.getElementById(id); }

  function card(code) {
    const el = document.createElement('div');
    el.className = 'card';
    if (code === '??') {
      el.classList.add('back');
      el.dataset.card = 'hidden';
      return el;
    }
    const suit = code.slice(-1);
    el.dataset.card = code;
    el.textContent = code.slice(0, -1) + suits[suit];
    if (suit === 'H' || suit === 'D') el.classList.add('red');
    return el;
  }

  function show(h) {
    hand = h;
    $('player').replaceChildren(...h.player.map(card));
    $('dealer').replaceChildren(...h.dealer.map(card));
    $('player-total').textContent = '(' + h.player_total + ')';
    $('dealer-total').textContent = h.dealer_total == null ? '' : '(' + h.dealer_total + ')';
    const playing = h.status === 'playing';
    $('hit').disabled = !playing;
    $('stand').disabled = !playing;
    $('result').textContent = playing ? '' : { win: 'You win!', lose: 'Dealer wins.', push: 'Push.' }[h.result];
    document.body.dataset.status = h.status;
  }

  async function call(name, body) {
    $('error').textContent = '';
    const r = await fetch(api + name, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body || {})
    });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      $('error').textContent = data.detail || ('Error ' + r.status);
      return;
    }
    show(data);
  }

  $('deal').addEventListener('click', () => call('deal'));
  $('hit').addEventListener('click', () => hand && call('hit', { id: hand.id }));
  $('stand').addEventListener('click', () => hand && call('stand', { id: hand.id }));
})();
