/*
 * The dashboard's map layers, for Leaflet 1.9 and Leaflet.markercluster 1.5.
 *
 * Loaded once per map frame from /app/static/js/ (the browser caches it; its URL carries a
 * hash of its content).  On each script run the server sends only data and one call per
 * layer (dashboard/render/maps.py):
 *
 *   LamhMap.facilities(group, {url, pick} | {rows, ...meta})  matching sites, clustered
 *   LamhMap.cells(group, rows)                                 sites counted per grid square
 *   LamhMap.areas(group, {style | tracts, labels, legend, ...}) areas coloured by a measure
 *   LamhMap.outline(group, {parts: [{ids, url | geo}]})        the selected areas' outline
 *
 * Source text (names, addresses, tooltips) is only ever set with textContent, never parsed
 * as HTML; the only markup inserted is the app's own SVG symbols (meta.icons, legend rows).
 * A file that cannot be fetched is said on the map, not left as a blank map.
 */
(function () {
  'use strict';
  if (window.LamhMap) { return; }

  function el(tag, text) {
    var e = document.createElement(tag);
    if (text !== null && text !== undefined) { e.textContent = String(text); }
    return e;
  }

  // ------------------------------------------------------------------ problems

  // A note at the top of the map saying what could not be shown (once per text).
  function problem(group, text) {
    function show(map) {
      var box = map.getContainer();
      var seen = box.querySelectorAll('.lamh-problem');
      for (var i = 0; i < seen.length; i++) { if (seen[i].textContent === text) { return; } }
      var note = el('div', text);
      note.className = 'lamh-problem';
      note.setAttribute('role', 'alert');
      note.style.cssText = 'position:absolute;top:8px;left:50%;transform:translateX(-50%);z-index:1000;'
        + 'max-width:80%;background:#fff3cd;color:#1A1A1A;border:1px solid #8a6d3b;border-radius:4px;'
        + 'padding:6px 10px;font:13px/1.35 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,0.3)';
      box.appendChild(note);
    }
    if (group._map) { show(group._map); } else { group.once('add', function () { show(group._map); }); }
  }

  function getJSON(url) {
    return fetch(url, {cache: 'force-cache'}).then(function (r) {
      if (!r.ok) { throw new Error(r.status + ' ' + url); }
      return r.json();
    });
  }

  // ------------------------------------------------------------------ facilities

  function line(box, label, value) {
    if (value === null || value === undefined || value === '') { return; }
    var d = el('div');
    d.appendChild(el('b', label + ': '));
    d.appendChild(value instanceof Node ? value : document.createTextNode(String(value)));
    box.appendChild(d);
  }

  // A facility's popup (keys: see MapData in dashboard/render/mapdata.py), built on demand.
  function popup(r, D) {
    var box = el('div');
    box.className = 'lamh-popup';
    box.style.cssText = 'font:13px/1.35 sans-serif;max-width:300px';
    var h = el('div', r.n);
    h.style.cssText = 'font-weight:600;font-size:14px';
    box.appendChild(h);
    if (r.g) { box.appendChild(el('div', r.g)); }
    line(box, 'Address', (r.a || '(street address not published)') + (r.c ? ', ' + r.c : ''));
    line(box, 'Phone', r.p);
    if (r.w && /^https?:\/\//i.test(r.w)) {
      var a = el('a', r.w.slice(0, 60));
      a.href = r.w;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      line(box, 'Website', a);
    }
    line(box, 'Facility type', r.t);
    for (var i = 0; i < D.groups.length; i++) {
      var g = D.groups[i], v = r.f[i];
      var val = v === null ? el('i', 'unknown')
        : (v.length ? v.map(function (j) { return g[1][j]; }).join(', ') : 'none reported');
      line(box, g[0], val);
      if (i === 0 && r.b !== null) {
        line(box, 'Licensed acute psychiatric beds', r.b + ' (' + D.beds_source + (r.bn ? '; ' + r.bn : '') + ')');
      }
    }
    line(box, 'Location', D.precision[r.q]);
    line(box, 'Earlier listed at', r.h);
    line(box, 'Source', r.s.map(function (j) { return D.sources[j]; }).join('; ')
      + (r.o ? ' (as of ' + r.o + ')' : ''));
    return box;
  }

  // ------------------------------------------------------------------ phones

  // On a touch screen: one finger scrolls the page and two move or zoom the map (a swipe
  // that panned the map would rerun the app and add a history entry); a tapped site's
  // details open in a sheet across the foot of the map, which fits any map and never pans
  // it (a popup's auto-pan reran the app, which closed the popup); markers take a finger.
  var TOUCH = !!(L.Browser.touch && L.Browser.mobile);
  var TAP = TOUCH ? 32 : 16;  // a marker's tap target in px (the symbol stays 16 px)

  function touchFriendly(map) {
    if (!TOUCH || !map || map._lamhTouch) { return; }
    map._lamhTouch = true;
    map.dragging.disable();
    var hint = el('div', 'Use two fingers to move the map');
    hint.className = 'lamh-two-fingers';
    hint.style.cssText = 'position:absolute;inset:0;display:none;align-items:center;justify-content:center;'
      + 'background:rgba(0,0,0,0.45);color:#fff;font:600 15px sans-serif;z-index:1000;pointer-events:none';
    map.getContainer().appendChild(hint);
    var timer = null;
    map.getContainer().addEventListener('touchmove', function (ev) {
      if (ev.touches.length !== 1) { hint.style.display = 'none'; return; }
      hint.style.display = 'flex';
      clearTimeout(timer);
      timer = setTimeout(function () { hint.style.display = 'none'; }, 1200);
    }, {passive: true});
  }

  // Keyboard users meet a "skip the map" link first: every site and area is a tab stop, so
  // the link moves focus to what follows the map on the page (the table lists the same sites).
  function skipLink(map) {
    if (!map || map._lamhSkip) { return; }
    map._lamhSkip = true;
    var a = el('a', 'Skip the map (the table below lists the same sites)');
    a.href = '#';
    a.className = 'lamh-skip';
    a.style.cssText = 'position:absolute;left:8px;top:8px;z-index:1002;background:#fff;color:#1A1A1A;'
      + 'padding:6px 10px;font:600 13px sans-serif;border:2px solid #1A1A1A;transform:translateY(-300%)';
    a.addEventListener('focus', function () { a.style.transform = 'none'; });
    a.addEventListener('blur', function () { a.style.transform = 'translateY(-300%)'; });
    a.addEventListener('click', function (ev) {
      ev.preventDefault();
      var frame = window.frameElement;
      if (!frame) { return; }
      var next = Array.prototype.filter.call(
        frame.ownerDocument.querySelectorAll('a[href], button, input, select, textarea, [tabindex="0"]'),
        function (n) { return (frame.compareDocumentPosition(n) & 4) && n.getClientRects().length; }
      )[0];
      if (next) { next.focus(); }
    });
    var c = map.getContainer();
    c.parentNode.insertBefore(a, c);
  }

  function sheet(group, content) {
    var map = group._map;
    var box = map._lamhSheet;
    if (!box) {
      box = map._lamhSheet = el('div');
      box.className = 'lamh-sheet';
      box.setAttribute('role', 'dialog');
      box.style.cssText = 'position:absolute;left:0;right:0;bottom:0;max-height:60%;overflow:auto;z-index:1001;'
        + 'background:#fff;box-shadow:0 -2px 8px rgba(0,0,0,0.35);padding:8px 48px 10px 12px;'
        + 'touch-action:pan-y;overscroll-behavior:contain';
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      map.getContainer().appendChild(box);
    }
    box.textContent = '';
    var close = el('button', '\u00d7');
    close.setAttribute('aria-label', 'Close');
    close.style.cssText = 'position:absolute;top:2px;right:2px;width:44px;height:44px;border:0;'
      + 'background:none;font:24px sans-serif;cursor:pointer';
    close.addEventListener('click', function () { box.style.display = 'none'; });
    box.appendChild(close);
    box.appendChild(content);
    box.style.display = 'block';
    group.once('remove', function () { box.style.display = 'none'; });  // a new view: new sites
  }

  function drawFacilities(group, all, rows) {
    var cluster = L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 40, spiderfyOnMaxZoom: true, disableClusteringAtZoom: 15
    });
    cluster.addLayers(rows.map(function (r) {
      var m = L.marker([r.y, r.x], {
        icon: L.divIcon({
          className: 'lamh-marker lamh-' + r.k,
          html: '<div style="width:' + TAP + 'px;height:' + TAP + 'px;display:flex;align-items:center;'
            + 'justify-content:center">' + all.icons[r.k][r.q] + '</div>',
          iconSize: [TAP, TAP], iconAnchor: [TAP / 2, TAP / 2]
        }),
        title: r.n + (r.q ? ' (approximate location)' : ''),
        keyboard: true
      });
      if (TOUCH) {
        m.on('click', function () { sheet(group, popup(r, all)); });
      } else {
        m.bindPopup(function () { return popup(r, all); }, {maxWidth: 320});
      }
      return m;
    }));
    group.addLayer(cluster);
    function onMap() { touchFriendly(group._map); skipLink(group._map); }
    if (group._map) { onMap(); } else { group.once('add', onMap); }
  }

  // Every facility's data comes once per frame from a file the browser caches; a run sends
  // only the positions of the matching ones.  Without a file the rows come with the call.
  var facilityFiles = {};
  function facilities(group, data) {
    if (!data.url) { drawFacilities(group, data, data.rows); return; }
    var file = facilityFiles[data.url] = facilityFiles[data.url] || getJSON(data.url);
    file.then(function (all) {
      drawFacilities(group, all, data.pick.map(function (i) { return all.rows[i]; }));
    }, function () {
      delete facilityFiles[data.url];
      problem(group, 'The facility data could not be loaded, so no sites are drawn. Reload the page to try again.');
    });
  }

  function cells(group, rows) {
    rows.forEach(function (r) {
      var d = 16 + Math.min(24, Math.round(Math.sqrt(r[2]) * 2));
      var box = el('div', r[2]);
      box.style.cssText = 'width:' + d + 'px;height:' + d + 'px;line-height:' + d + 'px;border-radius:50%;'
        + 'background:#0072B2;color:#fff;border:2px solid #1A1A1A;text-align:center;font:600 11px sans-serif';
      var m = L.marker([r[0], r[1]], {
        icon: L.divIcon({className: 'lamh-cell', html: box, iconSize: [d, d], iconAnchor: [d / 2, d / 2]}),
        keyboard: true,
        title: r[2] + ' matching sites: ' + r[3]
      });
      m.bindTooltip(r[2] + ' matching sites here (' + r[3] + ')');
      group.addLayer(m);
    });
  }

  // ------------------------------------------------------------------ legend

  // A legend control that lives as long as its layer (added and removed with it), folded:
  // the page has the full legend too.  Swatches are colours or the app's own SVG symbols.
  function legend(group, spec) {
    var ctl = L.control({position: 'bottomleft'});
    ctl.onAdd = function () {
      var box = L.DomUtil.create('details', 'lamh-legend');
      box.style.cssText = 'background:rgba(255,255,255,0.92);padding:4px 8px;border-radius:4px;'
        + 'font:12px/1.35 sans-serif;max-width:230px;box-shadow:0 1px 4px rgba(0,0,0,0.3)';
      var s = el('summary', spec.title);
      s.style.fontWeight = '600';
      box.appendChild(s);
      spec.rows.forEach(function (r) {
        var row = el('div'), sw = el('span');
        if (r[0].charAt(0) === '<') {
          sw.innerHTML = r[0];  // the app's own SVG symbol (legend.symbol_svg), never source text
        } else {
          sw.style.cssText = 'display:inline-block;width:12px;height:12px;border:1px solid #333;background:' + r[0];
        }
        sw.style.marginRight = '6px';
        sw.style.verticalAlign = 'middle';
        row.appendChild(sw);
        row.appendChild(document.createTextNode(r[1]));
        box.appendChild(row);
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    group.on('add', function () { ctl.addTo(group._map); });
    group.on('remove', function () { ctl.remove(); });
    if (group._map) { ctl.addTo(group._map); }
  }

  // ------------------------------------------------------------------ areas

  // The polygons of one file are drawn once per map and kept across runs: a run restyles
  // them in place (no new SVG paths; tooltips and labels read the newest run's data).  The
  // polygon layer sits on the map itself and follows its feature group: when a run replaces
  // the group, the new group takes it over before the old group's removal (deferred a tick)
  // would take it off the map.
  var kept = {};
  var NO_DATA = '#d9d9d9';

  // Per feature: [fill colour, tooltip text, dashed outline].  ``style`` gives them by area
  // id (a few areas); ``tracts`` compactly, in the order of the geometry file's features (a
  // class per tract as one character indexing ``palette``, its value or null, residents;
  // ``unit`` and ``none`` word the value), the tooltip made here.
  function lookOf(data, f, i) {
    if (data.style) {
      var s = data.style[String(f.properties.id)];
      return s || [NO_DATA, String(f.properties.id), 0];
    }
    var t = data.tracts, v = t.val[i];
    return [t.palette[+t.cls.charAt(i)],
      'Tract ' + f.properties.id + ': ' + (v === null ? t.none : v.toFixed(1) + t.unit) + '; '
        + t.res[i].toLocaleString('en-US'), 0];
  }

  function areas(group, data) {
    var e = (data.url && kept[data.url]) || {};
    if (data.url) { kept[data.url] = e; }
    e.data = data;
    e.owner = group;

    function text(l) { return lookOf(e.data, l.feature, l._lamhIndex)[1] + e.data.suffix; }
    function styleOf(look) {
      var dashed = look[2];
      return {
        fillColor: look[0], color: dashed ? '#6B6B6B' : '#333333', dashArray: dashed ? '5 4' : null,
        weight: e.data.weight, fillOpacity: dashed ? 0.35 : 0.55
      };
    }
    // Restyle only the polygons whose look changed (thousands of tracts, most unchanged).
    function restyle() {
      e.layer.eachLayer(function (l) {
        var look = lookOf(e.data, l.feature, l._lamhIndex);
        var key = look[0] + '|' + look[2] + '|' + e.data.weight;
        if (l._lamhKey !== key) { l._lamhKey = key; l.setStyle(styleOf(look)); }
      });
    }
    function show() {
      if (e.owner === group && e.layer && group._map && !group._map.hasLayer(e.layer)) {
        group._map.addLayer(e.layer);
      }
    }
    function ariaLabels() {
      e.layer.eachLayer(function (l) {
        var node = l.getElement();
        if (node) { node.setAttribute('aria-label', text(l)); }
      });
    }
    function focusable(l) {
      l.on('add', function () {
        var node = l.getElement();
        if (!node) { return; }
        node.setAttribute('tabindex', '0');
        node.setAttribute('role', 'img');
        node.addEventListener('focus', function () { l.openTooltip(l.getBounds().getCenter()); });
        node.addEventListener('blur', function () { l.closeTooltip(); });
      });
    }
    function draw(geojson) {
      if (!e.layer) {
        var n = 0;
        e.layer = L.geoJSON(geojson, {
          onEachFeature: function (f, l) {
            l._lamhIndex = n++;
            l.bindTooltip(function () { return el('span', text(l)); }, {sticky: true});
            if (e.data.focusable) { focusable(l); }
          }
        });
      }
      restyle();
      if (e.data.focusable) {
        if (e.layer._map) { ariaLabels(); } else { e.layer.once('add', ariaLabels); }
      }
      show();
    }

    group.on('add', show);
    group.on('remove', function () {
      var map = group._map;
      setTimeout(function () {
        if (e.owner === group && e.layer && map.hasLayer(e.layer)) { map.removeLayer(e.layer); }
      }, 0);
    });
    (data.labels || []).forEach(function (r) {
      var box = el('div');
      box.className = 'lamh-area-label';
      box.appendChild(el('b', r[2]));
      box.appendChild(el('br'));
      box.appendChild(document.createTextNode(r[3]));
      box.style.cssText = 'font:600 11px/1.2 sans-serif;color:#1A1A1A;text-align:center;white-space:nowrap;'
        + 'text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;pointer-events:none';
      group.addLayer(L.marker([r[0], r[1]], {
        interactive: false, keyboard: false,
        icon: L.divIcon({className: '', html: box, iconSize: [110, 30], iconAnchor: [55, 15]})
      }));
    });
    if (data.legend) { legend(group, data.legend); }

    if (!data.url) { draw(data.geo); return; }
    if (e.layer) { draw(null); return; }
    getJSON(data.url).then(draw, function () {
      delete kept[data.url];
      problem(group, 'The area boundaries could not be loaded, so the areas are not coloured. '
        + 'Reload the page to try again.');
    });
  }

  // ------------------------------------------------------------------ selection outline

  // The areas the sidebar selects, outlined above every other layer (in a pane of their
  // own, not clickable), so a selection is drawn where it is counted at any area level.
  function outline(group, data) {
    data.parts.forEach(function (part) {
      function draw(geojson) {
        var map = group._map;
        if (!map.getPane('lamhOutline')) {
          map.createPane('lamhOutline').style.zIndex = 450;
          map.getPane('lamhOutline').style.pointerEvents = 'none';
        }
        group.addLayer(L.geoJSON(geojson, {
          pane: 'lamhOutline',
          interactive: false,
          filter: function (f) { return part.ids.indexOf(f.properties.id) >= 0; },
          style: function () { return {fill: false, color: '#000000', weight: 3, opacity: 0.9}; }
        }));
      }
      // Drawn once the group is on the map (this call comes before it is added), in its pane.
      function when(geojson) {
        if (group._map) { draw(geojson); } else { group.once('add', function () { draw(geojson); }); }
      }
      if (!part.url) { when(part.geo); return; }
      getJSON(part.url).then(when, function () {
        problem(group, 'The outline of the selected areas could not be loaded. Reload the page to try again.');
      });
    });
  }

  window.LamhMap = {facilities: facilities, cells: cells, areas: areas, outline: outline};
})();
