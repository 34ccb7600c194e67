// Renders an experiment's openapi.json (served beside the page) as a list of operations: method, path, access
// level, parameters, request and response schemas. Self-contained: no framework, no CDN.
(function () {
  'use strict';
  var root = document.getElementById('apidoc');
  if (!root) { return; }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }

  function resolve(doc, schema) {
    if (schema && schema.$ref) {
      var name = schema.$ref.split('/').pop();
      return { name: name, schema: doc.components.schemas[name] };
    }
    return { name: null, schema: schema };
  }

  function schemaBlock(doc, label, schema) {
    var r = resolve(doc, schema);
    return el('div', {}, [el('strong', {}, [label + (r.name ? ' (' + r.name + ')' : '')]),
      el('pre', {}, [JSON.stringify(r.schema, null, 2)])]);
  }

  function operation(doc, path, method, op) {
    var body = [el('p', {}, [op.description || ''])];
    var params = (doc.paths[path].parameters || []).concat(op.parameters || []);
    if (params.length) {
      var rows = params.map(function (p) {
        return el('tr', {}, [el('td', {}, [p.name + (p.required ? ' *' : '')]), el('td', {}, [p.in]),
          el('td', {}, [JSON.stringify(p.schema)]), el('td', {}, [p.description || ''])]);
      });
      body.push(el('table', {}, [el('tr', {}, [el('th', {}, ['parameter']), el('th', {}, ['in']), el('th', {}, ['schema']),
        el('th', {}, ['description'])])].concat(rows)));
    }
    if (op.requestBody) {
      body.push(schemaBlock(doc, 'Request body', op.requestBody.content['application/json'].schema));
    }
    Object.keys(op.responses).forEach(function (code) {
      var r = op.responses[code];
      if (code < '400' && r.content) {
        body.push(schemaBlock(doc, 'Response ' + code, r.content['application/json'].schema));
      }
    });
    var summary = el('summary', {}, [el('span', { 'class': 'method' }, [method]), doc.servers[0].url + path + '  ',
      el('span', { 'class': 'level' }, ['access: ' + op['x-access-level']])]);
    return el('details', { 'class': 'op' }, [summary].concat(body));
  }

  fetch(root.getAttribute('data-src'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.json(); })
    .then(function (doc) {
      root.textContent = '';
      root.appendChild(el('p', {}, [doc.info.description || '']));
      Object.keys(doc.paths).forEach(function (path) {
        ['get', 'post', 'put', 'patch', 'delete'].forEach(function (m) {
          if (doc.paths[path][m]) { root.appendChild(operation(doc, path, m, doc.paths[path][m])); }
        });
      });
    })
    .catch(function (e) { root.textContent = 'Could not load the API description: ' + e.message; });
}());
