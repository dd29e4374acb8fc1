// Planner "Edit" mode of the map page (issue 8): click a unit in a zone,
// choose a target school among the neighbouring zones' schools, then Move
// or Pin it; Unpin, Lock or Unlock its zone, Undo, Redo, "Complete the
// plan" (synchronous: the server re-solves around pins and locks). Every edit is a new
// revision on the server (POST /scenarios/{name}/edits with the revision
// the page shows as base_revision, so a stale page gets 409 and reloads);
// the indicators and warnings are redrawn from each edit's result, and
// the zones from the new revision's plan.
"use strict";

window.CatchmentEdit = (function () {
  const $ = function (id) { return document.getElementById(id); };
  const E = { app: null, on: false, state: null, layer: null, zones: null, schools: null, sel: null, busy: false };

  function scenarioPath(p) { return "/scenarios/" + encodeURIComponent(E.app.S.cfg.scenario) + p; }
  function stage() { return $("edit-stage").value; }

  function say(text, isErr) {
    $("edit-msg").textContent = text;
    $("edit-msg").className = isErr ? "error" : "";
  }

  function pct(x) { return x == null ? "—" : (x * 100).toFixed(1) + "%"; }

  // renderIndicators fills the indicators panel from an edit.Indicators.
  function renderIndicators(ind) {
    const tb = document.querySelector("#edit-indicators tbody");
    tb.innerHTML = "";
    for (const s of ind.stages) {
      const l = C.stageLabel[s.stage] || s.stage;
      const rows = [
        ["near-zone ratio 就近入学比例", pct(s.near_zone_ratio), "≥ " + pct(s.near_zone_target), s.near_zone_met],
        ["pupils over capacity", s.pupils_over_capacity, "0", s.pupils_over_capacity === 0],
        ["split zones", s.zones_noncontiguous, "0", s.zones_noncontiguous === 0],
        ["reassigned pupils vs today", s.reassigned_pupils, "", null],
        ["mean zone distance", C.meters(s.mean_zone_distance_m), "", null],
      ];
      for (const r of rows) {
        const tr = document.createElement("tr");
        tr.className = r[3] === true ? "met" : r[3] === false ? "missed" : "";
        tr.dataset.indicator = s.stage + "." + r[0];
        tr.innerHTML = "<td>" + C.esc(l + " " + r[0]) + "</td><td>" + C.esc(r[1]) + "</td><td>" + C.esc(r[2]) + "</td>";
        tb.appendChild(tr);
      }
    }
  }

  function renderWarnings(ws) {
    const ul = $("edit-warnings");
    ul.innerHTML = "";
    for (const w of ws || []) {
      const li = document.createElement("li");
      li.className = "warning warning-" + w.kind;
      li.textContent = w.message;
      ul.appendChild(li);
    }
  }

  function setRevision(rev, planID) {
    E.state.revision = rev;
    E.state.plan_id = planID;
    $("edit-rev").textContent = "revision " + rev;
    document.body.dataset.editRevision = String(rev);
  }

  // drawZones shows the head revision's zones of the chosen stage.
  async function drawZones() {
    const S = E.app.S;
    const id = E.state.plan_id;
    const [zones, schools] = await Promise.all([
      C.api("/plans/" + id + "/zones/" + stage(), { token: S.token }),
      C.api("/plans/" + id + "/schools", { token: S.token })]);
    if (E.layer) S.map.removeLayer(E.layer);
    E.zones = zones;
    E.schools = {};
    for (const f of schools.features) E.schools[f.properties.id] = f;
    const pins = (E.state.pins || {})[stage()] || {};
    E.layer = L.geoJSON(zones, {
      style: function (f) {
        const s = E.app.zoneStyle(f);
        s.fillOpacity = 0.45;
        if (E.sel && f.properties.school_id === E.sel.school) { s.weight = 3; s.color = "#000"; }
        return s;
      },
      onEachFeature: function (f, l) {
        l.bindTooltip(C.esc(f.properties.school_name) + " — " + f.properties.pupils + " / " + f.properties.seats + " seats", { sticky: true });
        l.on("click", function (ev) { select(ev.latlng, f.properties.school_id, f.properties.school_name); });
      },
    }).addTo(S.map);
    document.body.dataset.editZones = String(zones.features.length);
    document.body.dataset.editPins = String(Object.keys(pins).length);
  }

  // renderHistory lists the newest revisions, each with Restore (a new
  // revision equal to it) and Compare (with the head: units and pupils
  // that change school, indicator deltas).
  async function renderHistory() {
    const revs = await C.api(scenarioPath("/revisions"), { token: E.app.S.token });
    const ol = $("edit-history");
    ol.innerHTML = "";
    for (const r of revs.slice(-10).reverse()) {
      const li = document.createElement("li");
      li.value = r.revision;
      li.dataset.revision = String(r.revision);
      li.textContent = "rev " + r.revision + " · " + (r.author || "") + " · " + new Date(r.created).toLocaleString() + (r.comment ? " · " + r.comment : "") + " ";
      if (r.revision !== E.state.revision) {
        const rb = document.createElement("button");
        rb.textContent = "Restore";
        rb.onclick = function () { post("/edits", { op: "restore", target_revision: r.revision }); };
        const cb = document.createElement("button");
        cb.textContent = "Compare";
        cb.onclick = function () { compare(r.revision); };
        li.appendChild(rb);
        li.appendChild(cb);
      }
      ol.appendChild(li);
    }
  }

  async function compare(rev) {
    try {
      const c = await C.api(scenarioPath("/compare?from=" + rev + "&to=0"), { token: E.app.S.token });
      const parts = [];
      for (const s of c.stages) {
        const d = s.delta || {};
        parts.push((C.stageLabel[s.stage] || s.stage) + ": " + s.units + " units / " + s.pupils + " pupils change school, near-zone " +
          ((d.near_zone_ratio || 0) * 100).toFixed(2) + " pts, over capacity " + (d.pupils_over_capacity || 0));
      }
      $("edit-compare").textContent = "Revision " + rev + " → head: " + parts.join("; ");
      $("edit-compare").dataset.from = String(rev);
    } catch (e) { say(e.message, true); }
  }

  // load reads the head revision and shows it.
  async function load() {
    E.state = await C.api(scenarioPath("/edit"), { token: E.app.S.token });
    setRevision(E.state.revision, E.state.plan_id);
    renderIndicators(E.state.indicators);
    renderWarnings([]);
    await drawZones();
    await renderHistory();
  }

  // select picks the unit under the click (by the parent look-up) and
  // lists the neighbouring zones' schools, nearest first.
  async function select(latlng, school, schoolName) {
    if (!E.on || E.busy) return;
    const S = E.app.S;
    let a;
    try {
      a = await C.lookup(latlng.lng.toFixed(7), latlng.lat.toFixed(7), S.cfg.planar ? "xy" : "wgs84");
    } catch (e) { say(e.message, true); return; }
    if (!a.inside) { say("No residential unit here.", true); return; }
    E.sel = { unit: a.unit_id, name: a.unit_name, school: school, latlng: latlng };
    const box = $("edit-selection");
    box.dataset.unit = a.unit_id;
    box.dataset.school = school;
    const pinned = ((E.state.pins || {})[stage()] || {})[a.unit_id];
    const locked = ((E.state.locks || {})[stage()] || []).indexOf(school) >= 0;
    box.textContent = (a.unit_name || a.unit_id) + " — in the zone of " + schoolName + (pinned ? " (pinned)" : "") + (locked ? " (zone locked)" : "");
    const here = S.map.latLngToLayerPoint(latlng);
    const opts = [];
    const seen = {};
    for (const f of E.zones.features) {
      const id = f.properties.school_id;
      if (id === school || seen[id]) continue;
      seen[id] = true;
      const sf = E.schools[id];
      if (!sf) continue;
      const c = sf.geometry.coordinates;
      const p = S.map.latLngToLayerPoint(L.latLng(c[1], c[0])); // GeoJSON [x, y], planar or not
      opts.push({ id: id, name: f.properties.school_name, d: here.distanceTo(p) });
    }
    opts.sort(function (x, y) { return x.d - y.d; });
    const sel = $("edit-target");
    sel.innerHTML = "";
    for (const o of opts.slice(0, 8)) {
      const op = document.createElement("option");
      op.value = o.id;
      op.textContent = o.name;
      sel.appendChild(op);
    }
    for (const b of ["edit-move", "edit-pin", "edit-unpin", "edit-lock", "edit-unlock"]) $(b).disabled = false;
    E.layer.setStyle(E.layer.options.style);
    say("");
    preview();
  }

  function clearSelection() {
    E.sel = null;
    const box = $("edit-selection");
    delete box.dataset.unit;
    delete box.dataset.school;
    box.textContent = "No unit selected.";
    $("edit-target").innerHTML = "";
    $("edit-preview").textContent = "";
    for (const b of ["edit-move", "edit-pin", "edit-unpin", "edit-lock", "edit-unlock"]) $(b).disabled = true;
  }

  // preview shows what moving the selected unit would do, saving nothing.
  async function preview() {
    if (!E.sel || !$("edit-target").value) return;
    try {
      const r = await C.api(scenarioPath("/edit/preview"), { method: "POST", token: E.app.S.token,
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ stage: stage(), units: [E.sel.unit], school: $("edit-target").value }) });
      const s = r.indicators.stages.find(function (x) { return x.stage === stage(); });
      $("edit-preview").textContent = "If moved: near-zone " + pct(s.near_zone_ratio) + ", over capacity " + s.pupils_over_capacity +
        ", split zones " + s.zones_noncontiguous + (r.warnings.length ? " — " + r.warnings.length + " warning(s)" : "");
    } catch (e) { $("edit-preview").textContent = "Cannot move: " + e.message; }
  }

  // post sends one edit based on the shown revision and redraws from its result.
  async function post(path, body) {
    if (E.busy) return;
    E.busy = true;
    document.body.dataset.editBusy = "1";
    body.base_revision = E.state.revision;
    try {
      const r = await C.api(scenarioPath(path), { method: "POST", token: E.app.S.token,
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      setRevision(r.revision, r.plan_id);
      renderIndicators(r.indicators);
      renderWarnings(r.warnings);
      E.state = await C.api(scenarioPath("/edit"), { token: E.app.S.token });
      clearSelection(); // the zones changed: select again
      await drawZones();
      await renderHistory();
      say("Revision " + r.revision + ": " + (body.op || "complete") + ", " + r.moved_units + " unit(s) changed zone.");
    } catch (e) {
      if (e.status === 409 && e.code === "stale_revision") {
        say(e.message + " — reloaded.", true);
        await load();
      } else {
        say(e.message, true);
      }
    } finally {
      E.busy = false;
      delete document.body.dataset.editBusy;
    }
  }

  // edit sends op for the selection: move and pin take the target school,
  // unpin the unit alone, lock and unlock the selected unit's zone.
  function edit(op) {
    if (!E.sel) { say("Click a unit first.", true); return; }
    let b = { op: op, stage: stage(), units: [E.sel.unit] };
    if (op === "move" || op === "pin") b.school = $("edit-target").value;
    if (op === "lock" || op === "unlock") b = { op: op, stage: stage(), school: E.sel.school };
    return post("/edits", b);
  }

  async function setMode(on) {
    const S = E.app.S;
    E.on = on;
    document.body.classList.toggle("editing", on);
    $("edit-controls").hidden = !on;
    E.app.toggle("primary", !on && $("show-primary").checked);
    E.app.toggle("junior", !on && $("show-junior").checked);
    if (!on) {
      if (E.layer) S.map.removeLayer(E.layer);
      E.layer = null;
      delete document.body.dataset.editRevision;
      return;
    }
    try { await load(); } catch (e) { say(e.message, true); }
  }

  // init wires the controls once the planner token is accepted.
  function init(app) {
    if (E.app) return;
    E.app = app;
    $("edit-section").hidden = false;
    $("edit-mode").addEventListener("change", function (e) { setMode(e.target.checked); });
    $("edit-stage").addEventListener("change", function () { clearSelection(); if (E.on) drawZones(); });
    $("edit-target").addEventListener("change", preview);
    $("edit-move").onclick = function () { edit("move"); };
    $("edit-pin").onclick = function () { edit("pin"); };
    $("edit-unpin").onclick = function () { edit("unpin"); };
    $("edit-lock").onclick = function () { edit("lock"); };
    $("edit-unlock").onclick = function () { edit("unlock"); };
    $("edit-undo").onclick = function () { post("/edits", { op: "undo" }); };
    $("edit-redo").onclick = function () { post("/edits", { op: "redo" }); };
    $("edit-complete").onclick = function () {
      say("Re-solving around the pins and locks…");
      post("/edit/complete", {});
    };
  }

  return { init: init, active: function () { return E.on; } };
})();
