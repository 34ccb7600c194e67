// The manifest editor: CodeMirror 6 (served from Maven jars, see the import map) over the #manifest textarea,
// which stays the source admin.js saves from. JSON syntax errors are marked at once; once the text parses, the
// server checks it against the manifest schema (POST .../manifest/check, the same validation as a save) and each
// error is underlined at its JSON path.
import { EditorView, basicSetup } from 'codemirror';
import { json, jsonParseLinter } from '@codemirror/lang-json';
import { linter, lintGutter } from '@codemirror/lint';

const textarea = document.getElementById('manifest');
const host = document.getElementById('manifest-editor');
const slug = document.body.dataset.slug;
const nonceMeta = document.querySelector('meta[name="labs-style-nonce"]');
const nonce = nonceMeta ? nonceMeta.getAttribute('content') : '';

if (textarea && host) {
  const syntax = jsonParseLinter();

  async function schemaCheck(view) {
    const text = view.state.doc.toString();
    const problems = syntax(view);
    if (problems.length) { return problems; }
    const token = document.querySelector('meta[name="labs-admin-token"]');
    const r = await fetch('/admin/api/experiments/' + encodeURIComponent(slug) + '/manifest/check', {
      method: 'POST', credentials: 'same-origin', body: text,
      headers: { 'Content-Type': 'application/json', 'X-Labs-Admin-Token': token ? token.getAttribute('content') : '' }
    });
    const data = await r.json();
    if (view.state.doc.toString() !== text) { return []; } // typed on meanwhile: the next round checks
    const errors = r.ok ? data.errors : (data.errors || [{ path: '$', message: data.detail || data.title }]);
    const spans = locate(text);
    const out = errors.map(e => {
      const at = spans.get(e.path) || nearest(spans, e.path) || { from: 0, to: Math.min(1, text.length) };
      return { from: at.from, to: Math.max(at.to, at.from + 1), severity: 'error', message: e.path + ': ' + e.message };
    });
    host.dataset.errors = String(out.length);
    host.dataset.paths = errors.map(e => e.path).join(' ');
    return out;
  }

  const view = new EditorView({
    doc: textarea.value,
    parent: host,
    extensions: [EditorView.cspNonce.of(nonce), basicSetup, json(), lintGutter(), linter(schemaCheck, { delay: 400 }),
      EditorView.updateListener.of(u => { if (u.docChanged) { textarea.value = u.state.doc.toString(); } })]
  });
  textarea.hidden = true;
  host.classList.add('code-editor');
  // admin.js (re)loaded the manifest into the textarea
  textarea.addEventListener('labs:loaded', () => {
    if (textarea.value !== view.state.doc.toString()) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: textarea.value } });
    }
  });
  window.labsManifestEditor = view; // for the browser test and the console
}

/** The JSON path of every value in text ("$.a.b", "$.list[0]", "$['odd key']") → its span. */
export function locate(text) {
  const spans = new Map();
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) { i++; } };
  const str = () => { const s = i; i++; while (i < text.length && text[i] !== '"') { if (text[i] === '\\') { i++; } i++; } i++; return JSON.parse(text.slice(s, i)); };
  const member = (path, key) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? path + '.' + key : path + "['" + key.replace(/'/g, "\\'") + "']";
  function value(path) {
    ws();
    const from = i;
    if (text[i] === '{') {
      i++; ws();
      while (i < text.length && text[i] !== '}') {
        const kFrom = i; const key = str(); const kTo = i;
        spans.set(member(path, key), { from: kFrom, to: kTo });
        ws(); i++; // ':'
        value(member(path, key));
        ws(); if (text[i] === ',') { i++; ws(); }
      }
      i++;
    } else if (text[i] === '[') {
      i++; ws();
      let n = 0;
      while (i < text.length && text[i] !== ']') {
        value(path + '[' + n++ + ']'); ws(); if (text[i] === ',') { i++; ws(); }
      }
      i++;
    } else if (text[i] === '"') {
      str();
    } else {
      while (i < text.length && !',}] \t\r\n'.includes(text[i])) { i++; }
    }
    spans.set(path, { from, to: i }); // the value (a key alone is kept only for members never reached)
  }
  try { value('$'); } catch (e) { /* a partial map is still useful */ }
  return spans;
}

/** The span of the longest known prefix of path (a missing key is reported at its parent). */
function nearest(spans, path) {
  for (let p = path; p.length > 1;) {
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) { break; }
    p = p.slice(0, cut);
    if (spans.has(p)) { return spans.get(p); }
  }
  return null;
}
