// The report's network view. Every value from the case is written with textContent, never as markup.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var findings = {};
  data.findings.forEach(function (f) { findings[f.finding_id] = f; });

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function mentions(values, id) {
    var raw = id.indexOf("object:") === 0 ? id.slice(7) : id;
    for (var k in values) {
      if (Object.prototype.hasOwnProperty.call(values, k) && String(values[k]) === raw) return true;
    }
    return false;
  }

  function show(node) {
    var panel = document.getElementById("panel");
    panel.replaceChildren();
    panel.appendChild(el("h3", node.label));
    panel.appendChild(el("div", node.kind + " · " + node.id, "muted"));
    node.findings.forEach(function (fid) {
      var f = findings[fid];
      if (!f) return;
      panel.appendChild(el("p", f.title + " (" + f.confidence.toFixed(3) + "): " + f.claim));
      var rows = f.evidence.filter(function (e) { return node.kind === "finding" || mentions(e.values || {}, node.id); });
      rows.slice(0, 25).forEach(function (e) {
        var row = el("div", null, "row evidence-row");
        var where = e.source ? e.source + ", record " + e.record_no : "derived";
        row.appendChild(el("div", where, "muted"));
        var parts = [];
        for (var k in e.values) {
          if (Object.prototype.hasOwnProperty.call(e.values, k)) parts.push(k + ": " + e.values[k]);
        }
        row.appendChild(el("div", parts.join("; ")));
        if (e.note) row.appendChild(el("div", e.note, "muted"));
        panel.appendChild(row);
      });
      if (rows.length > 25) panel.appendChild(el("div", (rows.length - 25) + " more rows in the finding below", "muted"));
    });
  }

  function showEdge(edge) {
    var panel = document.getElementById("panel");
    panel.replaceChildren();
    panel.appendChild(el("h3", edge.label));
    var ends = (byId[edge.source] || {}).label + " — " + (byId[edge.target] || {}).label;
    panel.appendChild(el("div", edge.kind + " · " + ends, "muted"));
    if (edge.kind === "proxy") panel.appendChild(el("p", "Click the network to open it: each member's link has its rows.", "muted"));
    (edge.evidence || []).forEach(function (e) {
      var row = el("div", null, "row evidence-row");
      row.appendChild(el("div", e.source + ", record " + e.row, "muted"));
      panel.appendChild(row);
    });
  }

  var colours = { finding: "#1d2430", account: "#3d6fb6", object: "#9aa5b8", LegalEntity: "#b6603d",
                  Company: "#8a3db6", Person: "#2f8f5b", Organization: "#8a3db6", Asset: "#b69a3d" };
  var elements = [];
  data.graph.nodes.forEach(function (n) {
    elements.push({ group: "nodes", data: { id: n.id, label: n.label, kind: n.kind, colour: colours[n.kind] || "#6b7a90",
                                            network: n.network || "" },
                    position: { x: n.x, y: n.y }, classes: n.network ? "inside" : "" });
  });
  data.graph.edges.forEach(function (e, i) {
    elements.push({ group: "edges", data: { id: "e" + i, source: e.source, target: e.target, label: e.label,
                                            network: e.network || "" },
                    classes: e.kind === "proxy" ? "proxy" : "" });
  });
  var edgeAt = {};
  data.graph.edges.forEach(function (e, i) { edgeAt["e" + i] = e; });
  var byId = {};
  data.graph.nodes.forEach(function (n) { byId[n.id] = n; });

  var container = document.getElementById("graph");
  if (data.graph.nodes.length && window.cytoscape) {
    var cy = window.cytoscape({
      container: container,
      elements: elements,
      layout: { name: "preset", fit: true, padding: 20 },
      style: [
        // Only findings carry a label: measuring a label for every node is most of the drawing time of a
        // large case. Other nodes show theirs when selected, and in the panel.
        { selector: "node", style: { "background-color": "data(colour)", "font-size": 8, width: 10, height: 10 } },
        { selector: "node[kind = 'finding'], node:selected", style: { label: "data(label)" } },
        { selector: "node[kind = 'finding']", style: { shape: "diamond", width: 16, height: 16, "font-weight": "bold" } },
        { selector: "edge", style: { width: 1, "line-color": "#c3cad6", "curve-style": "haystack" } },
        { selector: "edge.proxy", style: { "line-style": "dashed", "line-color": "#8f98a8" } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#e0a100" } }
      ]
    });
    // A network is drawn closed: its hub stands for its accounts, and a click opens or closes it.
    cy.nodes(".inside").style("display", "none");
    function toggle(hub) {
      var members = cy.nodes(".inside").filter(function (n) { return n.data("network") === hub; });
      if (!members.length) return;
      var open = members[0].style("display") === "none";
      members.style("display", open ? "element" : "none");
      cy.edges(".proxy").filter(function (e) { return e.data("network") === hub; }).style("display", open ? "none" : "element");
    }
    cy.on("tap", "node", function (evt) { show(byId[evt.target.id()]); toggle(evt.target.id()); });
    cy.on("tap", "edge", function (evt) { showEdge(edgeAt[evt.target.id()]); });
    window.unmaskGraph = cy;
  } else {
    container.appendChild(el("p", "No findings to draw.", "muted"));
  }
  window.unmaskReady = true;
})();
