// The parent page: search a compound by name or enter coordinates (with
// their coordinate system), see both stages' zone schools, why, and the
// zone on a small map.
"use strict";

(function () {
  const $ = function (id) { return document.getElementById(id); };
  const S = { cfg: null, map: null, layer: null };

  async function ensureMap() {
    if (S.map) return;
    S.cfg = S.cfg || await C.api("/config");
    S.map = C.makeMap("pmap", S.cfg);
  }

  async function show(lon, lat, crs) {
    $("answer").innerHTML = "Looking up…";
    let a;
    try {
      a = await C.lookup(lon, lat, crs);
    } catch (e) {
      $("answer").innerHTML = '<div class="error">' + C.esc(e.message) + "</div>";
      return;
    }
    $("answer").innerHTML = C.answerHTML(a);
    await ensureMap();
    if (S.layer) S.map.removeLayer(S.layer);
    S.layer = L.featureGroup().addTo(S.map);
    const here = [a.lat, a.lon];
    L.circleMarker(here, { radius: 7, color: "#0d47a1", fillOpacity: 1 }).addTo(S.layer).bindTooltip("Your location");
    // Draw the zone of each stage's school: the zone features whose bbox
    // holds the point, then the one of the answer's school.
    const e = S.cfg.planar ? 1 : 0.00001;
    const bbox = [a.lon - e, a.lat - e, a.lon + e, a.lat + e].join(",");
    for (const s of (a.stages || [])) {
      if (!s.school_id) continue;
      try {
        const fc = await C.api("/collections/zones-" + s.stage + "/items?limit=50&bbox=" + bbox);
        const f = fc.features.filter(function (f) { return f.properties.school_id === s.school_id; });
        L.geoJSON({ type: "FeatureCollection", features: f }, {
          style: { color: s.stage === "primary" ? "#2e7d32" : "#6a1b9a", weight: 2, fillOpacity: 0.15 }
        }).addTo(S.layer).bindTooltip(C.esc(s.school_name) + " zone");
      } catch (err) { /* the answer is shown; the zone drawing is optional */ }
    }
    const b = S.layer.getBounds();
    if (b.isValid()) S.map.fitBounds(b.pad(0.1), { maxZoom: 16 });
  }

  $("search-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const q = $("q").value.trim();
    const ul = $("hits");
    ul.innerHTML = "";
    if (!q) return;
    try {
      const hits = await C.api("/units?limit=10&q=" + encodeURIComponent(q));
      if (!hits.length) { ul.innerHTML = "<li>No compound found.</li>"; return; }
      for (const h of hits) {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.textContent = h.name || h.id;
        b.onclick = function () { ul.innerHTML = ""; show(h.lon, h.lat, S.cfg && S.cfg.planar ? "xy" : "wgs84"); };
        li.appendChild(b);
        ul.appendChild(li);
      }
    } catch (e) { ul.innerHTML = '<li class="error">' + C.esc(e.message) + "</li>"; }
  });

  $("coord-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    show($("lon").value.trim(), $("lat").value.trim(), $("crs").value);
  });

  $("locate").addEventListener("click", function () {
    if (!navigator.geolocation) { $("answer").textContent = "This browser cannot share its location."; return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      $("lon").value = p.coords.longitude.toFixed(6);
      $("lat").value = p.coords.latitude.toFixed(6);
      $("crs").value = "wgs84";
      show($("lon").value, $("lat").value, "wgs84");
    }, function (e) { $("answer").textContent = "Location unavailable: " + e.message; });
  });

  C.api("/config").then(function (cfg) { S.cfg = cfg; if (cfg.planar) $("crs").value = "xy"; }).catch(function () {});
})();
