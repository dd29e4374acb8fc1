// Shared helpers of the catchment pages: API calls, map set-up, answer
// rendering. Plain ES2017, no dependencies besides the vendored Leaflet.
"use strict";

const C = {};

C.api = async function (path, opts) {
  opts = opts || {};
  const headers = Object.assign({}, opts.headers || {});
  if (opts.token) headers["Authorization"] = "Bearer " + opts.token;
  const resp = await fetch("/api/v1" + path, { method: opts.method || "GET", headers: headers, body: opts.body });
  const type = resp.headers.get("Content-Type") || "";
  let body = null;
  if (opts.raw) body = await resp.blob();
  else if (type.indexOf("json") >= 0) body = await resp.json();
  else body = await resp.text();
  if (!resp.ok) {
    const e = new Error((body && body.error && body.error.message) || resp.statusText);
    e.status = resp.status;
    e.code = body && body.error && body.error.code;
    throw e;
  }
  return body;
};

C.esc = function (s) {
  return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
};

C.meters = function (m) {
  if (m == null || !isFinite(m)) return "—";
  return m < 1000 ? Math.round(m) + " m" : (m / 1000).toFixed(2) + " km";
};

C.stageLabel = { primary: "小学 Primary", junior: "初中 Junior" };

// makeMap creates a Leaflet map: geographic with an optional tile layer, or
// a plain planar (metre) map for xy data. No tiles are needed.
C.makeMap = function (id, cfg) {
  const opts = { zoomControl: true, preferCanvas: true, attributionControl: true };
  if (cfg.planar) { opts.crs = L.CRS.Simple; opts.minZoom = -12; }
  const map = L.map(id, opts);
  if (cfg.tile_url && !cfg.planar) {
    L.tileLayer(cfg.tile_url, { maxZoom: 19, attribution: C.esc(cfg.tile_attribution || "") }).addTo(map);
  }
  map.attributionControl.setPrefix('<a href="/static/vendor/leaflet/LICENSE">Leaflet</a>');
  return map;
};

// hue gives each school a stable colour from its id.
C.hue = function (id) {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return (h * 137.508) % 360;
};

C.utilColour = function (u) {
  if (u > 1.0) return "#c62828";
  if (u > 0.9) return "#ef8f00";
  return "#2e7d32";
};

// answerHTML renders a look-up answer for a popup or the parent page.
C.answerHTML = function (a) {
  let h = "";
  if (a.inside) {
    h += '<div class="unit">' + C.esc(a.unit_name || a.unit_id) + "</div>";
    for (const s of a.stages) {
      h += '<div class="stage stage-' + C.esc(s.stage) + '"><b>' + C.esc(C.stageLabel[s.stage] || s.stage) + ":</b> ";
      h += s.school_name ? '<span class="school">' + C.esc(s.school_name) + "</span> (" + C.meters(s.meters) + ")" : "<i>no zone school</i>";
      h += '<div class="why">' + C.esc(s.explanation) + "</div></div>";
    }
  } else {
    h += '<div class="outside">' + C.esc(a.message || "Outside the zoned area.") + "</div><ul>";
    for (const n of a.nearest) {
      h += "<li>" + C.esc(C.stageLabel[n.stage] || n.stage) + ": " + C.esc(n.name) + " (" + C.meters(n.meters) + ")</li>";
    }
    h += "</ul>";
  }
  return '<div class="answer" data-inside="' + (a.inside ? "1" : "0") + '">' + h + "</div>";
};

C.lookup = function (lon, lat, crs) {
  let q = "/lookup?lon=" + encodeURIComponent(lon) + "&lat=" + encodeURIComponent(lat);
  if (crs) q += "&crs=" + encodeURIComponent(crs);
  return C.api(q);
};

// waitForPlan polls /config until a plan is published; onTick sees each config.
C.waitForPlan = async function (onTick) {
  for (;;) {
    let cfg = null;
    try { cfg = await C.api("/config"); } catch (e) { /* server starting */ }
    if (cfg) {
      onTick && onTick(cfg);
      if (cfg.plan_id != null) return cfg;
    }
    await new Promise(function (r) { setTimeout(r, 1000); });
  }
};
