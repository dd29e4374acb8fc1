// The planner map page: zones per stage, schools by seats and utilisation,
// click-anywhere parent look-up, indicators against targets, today's zoning
// vs the plan, uploads, solves with progress, downloads.
"use strict";

(function () {
  const $ = function (id) { return document.getElementById(id); };
  const S = { cfg: null, map: null, layers: {}, token: sessionStorage.getItem("catchment.token") || "" };

  function setStatus(state, text) {
    const el = $("status");
    el.dataset.state = state;
    el.textContent = text;
  }

  function showProgress(p) {
    if (!p) { $("progress").hidden = true; return; }
    $("progress").hidden = false;
    $("progress-bar").style.width = Math.round((p.fraction || 0) * 100) + "%";
    $("progress-text").textContent = Math.round((p.fraction || 0) * 100) + "% " + (p.stage ? p.stage + ": " : "") + (p.step || "");
  }

  function zoneStyle(f) {
    const h = C.hue(String(f.properties.school_id));
    return { color: "hsl(" + h + ",45%,35%)", weight: 1, fillColor: "hsl(" + h + ",70%,60%)", fillOpacity: 0.35 };
  }

  function zonePopup(f, layer) {
    const p = f.properties;
    layer.bindTooltip(C.esc(p.school_name) + " — " + p.pupils + " pupils / " + p.seats + " seats (" + Math.round(p.utilization * 100) + "%), " + p.units + " units", { sticky: true });
  }

  function schoolMarker(f, latlng) {
    const p = f.properties;
    const r = 3 + Math.sqrt(p.seats || 0) / 6;
    return L.circleMarker(latlng, { radius: r, color: "#222", weight: 1, fillColor: C.utilColour(p.utilization), fillOpacity: 0.9, className: "school-marker" })
      .bindTooltip(C.esc(p.name) + "<br>" + p.pupils + " / " + p.seats + " seats (" + Math.round(p.utilization * 100) + "%)");
  }

  function toggle(name, on) {
    const l = S.layers[name];
    if (!l) return;
    if (on && !S.map.hasLayer(l)) l.addTo(S.map);
    if (!on && S.map.hasLayer(l)) S.map.removeLayer(l);
  }

  async function loadPlan() {
    for (const k in S.layers) { S.map.removeLayer(S.layers[k]); }
    S.layers = {};
    const id = S.cfg.plan_id;
    const [zp, zj, schools, report] = await Promise.all([
      C.api("/plans/" + id + "/zones/primary"), C.api("/plans/" + id + "/zones/junior"),
      C.api("/plans/" + id + "/schools"), C.api("/plans/" + id + "/report")]);
    S.layers.primary = L.geoJSON(zp, { style: zoneStyle, onEachFeature: zonePopup, interactive: true });
    S.layers.junior = L.geoJSON(zj, { style: zoneStyle, onEachFeature: zonePopup });
    S.layers.schools = L.geoJSON(schools, { pointToLayer: schoolMarker });
    toggle("primary", $("show-primary").checked);
    toggle("junior", $("show-junior").checked);
    toggle("schools", $("show-schools").checked);
    const b = S.layers.primary.getBounds();
    if (b.isValid()) S.map.fitBounds(b, { padding: [10, 10] });
    renderReport(report);
    $("plan-label").textContent = "plan " + id + " · " + S.cfg.scenario;
    for (const st of ["primary", "junior"]) {
      $("dl-" + st).href = "/api/v1/plans/" + id + "/zones/" + st + "?download=1";
      $("dl-" + st).download = "zones-" + st + "-plan" + id + ".geojson";
    }
    $("dl-report").href = "/api/v1/plans/" + id + "/report";
    $("dl-publication").href = "/api/v1/plans/" + id + "/publication";
    document.body.dataset.zones = String(zp.features.length + zj.features.length);
    setStatus("ready", "Plan " + id + " of " + S.cfg.scenario + ": " + zp.features.length + " primary and " + zj.features.length + " junior zones.");
    if (S.token) loadPlanner();
  }

  function pct(x) { return x == null ? "—" : (x * 100).toFixed(1) + "%"; }

  function row(tb, name, value, target, met) {
    const tr = document.createElement("tr");
    tr.className = met === true ? "met" : met === false ? "missed" : "";
    tr.innerHTML = "<td>" + C.esc(name) + "</td><td>" + C.esc(value) + "</td><td>" + C.esc(target) + "</td><td>" +
      (met === true ? "✔ met" : met === false ? "✘ missed" : "") + "</td>";
    tb.appendChild(tr);
  }

  function renderReport(r) {
    const tb = document.querySelector("#indicators tbody");
    tb.innerHTML = "";
    if (!r || !r.stages) return;
    for (const st of ["primary", "junior"]) {
      const s = r.stages[st];
      if (!s) continue;
      const l = C.stageLabel[st];
      row(tb, l + " near-zone ratio 就近入学比例", pct(s.near_zone_ratio), "≥ " + pct(s.near_zone_target), s.near_zone_met);
      row(tb, l + " migrant children in public places", pct(s.migrant_public_ratio), "≥ " + pct(s.migrant_target), s.migrant_met);
      row(tb, l + " schools over capacity", s.schools_over_capacity, "0", s.schools_over_capacity === 0);
      row(tb, l + " schools over size cap 大校额", s.schools_over_size_cap, "0", s.schools_over_size_cap === 0);
      row(tb, l + " classes over cap", s.classes_over_cap, "0", s.classes_over_cap === 0);
      row(tb, l + " non-contiguous zones", s.zones_noncontiguous, "0", s.zones_noncontiguous === 0);
      row(tb, l + " unplaced pupils", s.unplaced, "0", s.unplaced === 0);
      row(tb, l + " mean distance", C.meters(s.mean_distance_m), "", null);
      row(tb, l + " within " + C.meters(s.service_radius_m), pct(s.within_radius_ratio), "", null);
      if (s.optimality_gap != null) row(tb, l + " optimality gap", pct(s.optimality_gap), "", null);
      for (const ind of (s.indicators || [])) {
        row(tb, l + " 差异系数 " + ind.name, ind.cv.toFixed(3), "≤ " + ind.cv_limit, ind.cv_met);
      }
    }
  }

  async function onMapClick(e) {
    // In edit mode a click selects a unit (edit.js handles the zone's click).
    if (window.CatchmentEdit && CatchmentEdit.active()) return;
    const ll = e.latlng;
    const popup = L.popup({ maxWidth: 360 }).setLatLng(ll).setContent("Looking up…").openOn(S.map);
    try {
      const a = await C.lookup(ll.lng.toFixed(7), ll.lat.toFixed(7), S.cfg.planar ? "xy" : "wgs84");
      popup.setContent(C.answerHTML(a));
    } catch (err) {
      popup.setContent('<div class="error">' + C.esc(err.message) + "</div>");
    }
  }

  // Planner side (needs the token).

  function msg(text, isErr) {
    $("planner-msg").textContent = text;
    $("planner-msg").className = isErr ? "error" : "";
  }

  async function loadPlanner() {
    $("planner-body").hidden = false;
    try {
      await loadScenarios();
    } catch (e) {
      if (e.status === 401) { msg("The token was refused.", true); $("planner-body").hidden = true; return; }
      msg(e.message, true);
      return;
    }
    if (window.CatchmentEdit) CatchmentEdit.init(window.CatchmentApp);
    const id = S.cfg.plan_id;
    try {
      const cmp = await C.api("/plans/" + id + "/comparison", { token: S.token });
      const tb = document.querySelector("#comparison tbody");
      tb.innerHTML = "";
      if (cmp && cmp.stages) {
        for (const st of ["primary", "junior"]) {
          const c = cmp.stages[st];
          if (!c) continue;
          const tr = document.createElement("tr");
          tr.innerHTML = "<td>" + C.esc(C.stageLabel[st]) + "</td><td>" + c.units_changed + "</td><td>" + c.pupils_changed + "</td>";
          tb.appendChild(tr);
        }
      } else {
        tb.innerHTML = '<tr><td colspan="3">No current.csv in this scenario.</td></tr>';
      }
      const ch = await C.api("/plans/" + id + "/changes", { token: S.token });
      if (S.layers.changes) S.map.removeLayer(S.layers.changes);
      S.layers.changes = L.geoJSON(ch, {
        style: { color: "#d500f9", weight: 2, fillColor: "#d500f9", fillOpacity: 0.45, dashArray: "3" },
        onEachFeature: function (f, l) {
          const p = f.properties;
          l.bindTooltip(C.esc(p.name || p.unit_id) + " (" + p.stage + "): " + C.esc(p.from || "—") + " → " + C.esc(p.to || "—") + ", " + p.pupils + " pupils");
        }
      });
      $("show-changes").disabled = false;
      toggle("changes", $("show-changes").checked);
    } catch (e) { msg(e.message, true); }
  }

  async function loadScenarios() {
    const list = await C.api("/scenarios", { token: S.token });
    const ul = $("scenarios");
    ul.innerHTML = "";
    for (const sc of list) {
      const li = document.createElement("li");
      li.innerHTML = "<b>" + C.esc(sc.name) + "</b> " + sc.schools + " schools, " + sc.units + " units ";
      const solve = document.createElement("button");
      solve.textContent = "Solve";
      solve.onclick = function () { startSolve(sc.name); };
      li.appendChild(solve);
      if (sc.name !== S.cfg.scenario) {
        const del = document.createElement("button");
        del.textContent = "Delete";
        del.onclick = async function () {
          if (!confirm("Delete scenario " + sc.name + " and its plans?")) return;
          try { await C.api("/scenarios/" + encodeURIComponent(sc.name), { method: "DELETE", token: S.token }); loadScenarios(); } catch (e) { msg(e.message, true); }
        };
        li.appendChild(del);
      }
      ul.appendChild(li);
    }
  }

  async function startSolve(name) {
    try {
      const job = await C.api("/scenarios/" + encodeURIComponent(name) + "/solve", { method: "POST", token: S.token });
      msg("Solving " + name + "…");
      for (;;) {
        await new Promise(function (r) { setTimeout(r, 500); });
        const j = await C.api("/jobs/" + job.id, { token: S.token });
        showProgress(j.progress);
        if (j.state === "done") {
          showProgress(null);
          msg("Plan " + j.plan_id + " solved and published.");
          S.cfg = await C.api("/config");
          await loadPlan();
          return;
        }
        if (j.state === "failed" || j.state === "cancelled") {
          showProgress(null);
          msg("Solve " + j.state + ": " + (j.error || ""), true);
          return;
        }
      }
    } catch (e) { showProgress(null); msg(e.message, true); }
  }

  async function upload(ev) {
    ev.preventDefault();
    const fd = new FormData();
    const form = ev.target;
    fd.append("name", form.name.value);
    fd.append("crs", form.crs.value);
    for (const f of ["schools", "units", "households", "current", "candidates", "boundary"]) {
      if (form[f].files.length) fd.append(f, form[f].files[0]);
    }
    msg("Uploading…");
    try {
      const sc = await C.api("/scenarios", { method: "POST", token: S.token, body: fd });
      msg("Scenario " + sc.name + " stored: " + sc.schools + " schools, " + sc.units + " units.");
      loadScenarios();
    } catch (e) { msg(e.message, true); }
  }

  async function downloadAssignments(ev) {
    ev.preventDefault();
    if (!S.token) { msg("Enter the planner token first.", true); return; }
    try {
      const b = await C.api("/plans/" + S.cfg.plan_id + "/assignments", { token: S.token, raw: true });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(b);
      a.download = "assignments-plan" + S.cfg.plan_id + ".csv";
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
    } catch (e) { msg(e.message, true); }
  }

  async function main() {
    setStatus("loading", "Waiting for the server…");
    S.cfg = await C.waitForPlan(function (cfg) {
      if (cfg.plan_id == null) {
        setStatus("solving", "Solving the zones for the first time…");
        showProgress(cfg.solving || { fraction: 0 });
      }
    });
    showProgress(null);
    S.map = C.makeMap("map", S.cfg);
    // What the edit mode (edit.js) and tests need of the page.
    window.CatchmentApp = {
      S: S, toggle: toggle, zoneStyle: zoneStyle,
      // screenPoint is the page position of plan coordinates (x, y).
      screenPoint: function (x, y) {
        const p = S.map.latLngToContainerPoint(L.latLng(y, x));
        const r = $("map").getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
      },
    };
    S.map.on("click", onMapClick);
    for (const k of ["primary", "junior", "schools", "changes"]) {
      $("show-" + k).addEventListener("change", function (e) { toggle(k, e.target.checked); });
    }
    $("token").value = S.token;
    $("token-form").addEventListener("submit", function (e) {
      e.preventDefault();
      S.token = $("token").value.trim();
      sessionStorage.setItem("catchment.token", S.token);
      if (S.token) loadPlanner();
    });
    $("upload-form").addEventListener("submit", upload);
    $("dl-assignments").addEventListener("click", downloadAssignments);
    try {
      await loadPlan();
    } catch (e) {
      setStatus("error", "Could not load the plan: " + e.message);
    }
  }

  main();
})();
