/* fengong view page: draws the network from the JSON data block with vis-network.
 * Every piece of document text reaches the DOM through textContent (never innerHTML),
 * and tooltips are DOM elements, so text such as "<img onerror=…>" shows as text. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("fg-data").textContent);
  var container = document.getElementById("fg-network");
  var TIP_KINDS = {h: 1, meta: 1, clause: 1, role: 1, note: 1};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function tipElement(tip) {
    var box = el("div", "fg-tip");
    (tip || []).forEach(function (part) {
      var kind = TIP_KINDS[part[0]] ? part[0] : "meta";
      box.appendChild(el("div", "fg-tip-" + kind, part[1]));
    });
    return box;
  }

  data.nodes.forEach(function (n) { n.title = tipElement(n.tip); });
  data.edges.forEach(function (e) { e.title = tipElement(e.tip); });
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, data.options);
  window.fengong = {network: network, nodes: nodes, edges: edges, view: data.view};

  network.once("afterDrawing", function () { document.body.setAttribute("data-ready", "1"); });
  network.fit();

  // -- details of the selected node ----------------------------------------------------
  var details = document.getElementById("fg-details");

  function viewLink(node) {
    if (!data.links || !node || node.ref === data.ref) { return null; }
    if (node.kind === "department") { return data.base + "/viz/department/" + encodeURIComponent(node.ref); }
    if (node.kind === "region") { return data.base + "/viz/region/" + encodeURIComponent(node.ref); }
    return null;
  }

  function showDetails(id) {
    var node = nodes.get(id);
    if (!node || !details) { return; }
    while (details.firstChild) { details.removeChild(details.firstChild); }
    details.appendChild(tipElement(node.tip));
    var neighbours = network.getConnectedNodes(id).map(function (n) { return nodes.get(n); })
      .filter(function (n) { return n; });
    if (neighbours.length) {
      details.appendChild(el("div", "fg-tip-meta",
        "相连(" + neighbours.length + "):" + neighbours.map(function (n) { return n.label; }).join("、")));
    }
    var href = viewLink(node);
    if (href) {
      var a = el("a", "fg-more", node.kind === "department" ? "打开该单位的视图 →" : "打开该地域的视图 →");
      a.href = href;
      details.appendChild(a);
    }
    details.hidden = false;
  }

  function focusNode(id) {
    if (!nodes.get(id)) { return; }
    network.selectNodes([id]);
    network.focus(id, {scale: Math.max(network.getScale(), 0.9), animation: false});
    showDetails(id);
  }

  network.on("click", function (params) {
    if (params.nodes.length) { showDetails(params.nodes[0]); }
  });
  network.on("doubleClick", function (params) {
    if (!params.nodes.length) { return; }
    var href = viewLink(nodes.get(params.nodes[0]));
    if (href) { window.location.href = href; }
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-node]"), function (button) {
    button.addEventListener("click", function () { focusNode(button.getAttribute("data-node")); });
  });

  // -- search / filter box ---------------------------------------------------------------
  var input = document.getElementById("fg-search");
  var count = document.getElementById("fg-search-count");
  var list = document.getElementById("fg-search-list");
  var seen = {};
  nodes.forEach(function (n) {
    if (seen[n.label]) { return; }
    seen[n.label] = true;
    var option = document.createElement("option");
    option.value = n.label;
    list.appendChild(option);
  });

  var fonts = {};
  nodes.forEach(function (n) { fonts[n.id] = n.font || {}; });

  function applySearch() {
    var q = input.value.trim().toLowerCase();
    var updates = [];
    var hits = [];
    nodes.forEach(function (n) {
      var text = (n.search || "") + " " + (n.label || "");
      var hit = !q || text.toLowerCase().indexOf(q) >= 0;
      if (q && hit) { hits.push(n.id); }
      updates.push({id: n.id, opacity: hit ? 1 : 0.15,
                    font: Object.assign({}, fonts[n.id], {color: hit ? "#1d2733" : "rgba(29,39,51,0.22)"})});
    });
    nodes.update(updates);
    if (!q) {
      count.textContent = "";
      network.unselectAll();
      return;
    }
    count.textContent = hits.length ? "找到 " + hits.length + " 个" : "没有找到";
    network.selectNodes(hits, false);
    if (hits.length === 1) {
      focusNode(hits[0]);
    } else if (hits.length > 1) {
      network.fit({nodes: hits, animation: false});
    }
  }
  input.addEventListener("input", applySearch);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); applySearch(); }
  });
  document.getElementById("fg-fit").addEventListener("click", function () {
    input.value = "";
    applySearch();
    network.fit({animation: false});
  });

  // -- role filter (legend check boxes) --------------------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll("input[data-role]"), function (box) {
    box.addEventListener("change", function () {
      var role = box.getAttribute("data-role");
      edges.update(edges.get({filter: function (e) { return e.role === role; }})
        .map(function (e) { return {id: e.id, hidden: !box.checked}; }));
    });
  });

  if (data.focus && nodes.get(data.focus)) {
    network.selectNodes([data.focus]);
    showDetails(data.focus);
  }
})();
