// The query page of /sparql: examples, editor, results table. Text is only ever inserted
// with textContent (never innerHTML), so document text is always escaped.
(function () {
  "use strict";
  var PREFIXES = "PREFIX fg: <https://w3id.org/fengong/ns#>\n" +
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n" +
    "PREFIX dct: <http://purl.org/dc/terms/>\n" +
    "PREFIX eli: <http://data.europa.eu/eli/ontology#>\n" +
    "PREFIX prov: <http://www.w3.org/ns/prov#>\n" +
    "PREFIX oa: <http://www.w3.org/ns/oa#>\n";
  var EXAMPLES = [
    ["省建设厅牵头的任务", PREFIXES +
      "SELECT ?number ?title WHERE {\n  ?dept fg:id \"zj-housing\" ; fg:leads ?task .\n" +
      "  ?task eli:number ?number ; dct:title ?title ; fg:ordinal ?n .\n} ORDER BY ?n"],
    ["各部门牵头任务数", PREFIXES +
      "SELECT ?name (COUNT(DISTINCT ?task) AS ?tasks) WHERE {\n  ?dept fg:leads ?task ; skos:prefLabel ?name .\n" +
      "  FILTER(LANG(?name) = \"zh\")\n} GROUP BY ?name ORDER BY DESC(?tasks)"],
    ["条款原文与出处（字符位置）", PREFIXES +
      "SELECT ?task ?text ?start ?end WHERE {\n  ?task fg:clause ?clause .\n  ?clause fg:text ?text ; prov:wasDerivedFrom ?span .\n" +
      "  ?span oa:hasSelector ?sel .\n  ?sel oa:start ?start ; oa:end ?end .\n} ORDER BY ?start LIMIT 20"],
    ["目标指标", PREFIXES +
      "SELECT ?metric ?value ?unit ?surface WHERE {\n  ?target a fg:Target ; fg:metric ?metric ; fg:surface ?surface .\n" +
      "  OPTIONAL { ?target <http://www.w3.org/1999/02/22-rdf-syntax-ns#value> ?value }\n" +
      "  OPTIONAL { ?target fg:unitText ?unit }\n}"],
    ["涉及杭州的任务", PREFIXES +
      "SELECT DISTINCT ?number ?title WHERE {\n  ?task dct:spatial/(fg:member|skos:broader)* ?region ; eli:number ?number ; dct:title ?title .\n" +
      "  ?region skos:notation \"330100\" .\n}"],
    ["省建设厅的描述 (CONSTRUCT)", PREFIXES +
      "CONSTRUCT { ?dept ?p ?o } WHERE {\n  ?dept fg:id \"zj-housing\" ; ?p ?o .\n}"]
  ];
  var select = document.getElementById("examples");
  var editor = document.getElementById("query");
  var format = document.getElementById("format");
  var status = document.getElementById("status");
  var results = document.getElementById("results");
  EXAMPLES.forEach(function (example, i) {
    var option = document.createElement("option");
    option.value = String(i);
    option.textContent = example[0];
    select.appendChild(option);
  });
  select.addEventListener("change", function () { editor.value = EXAMPLES[Number(select.value)][1]; });
  var fromUrl = new URLSearchParams(window.location.search).get("query");
  editor.value = fromUrl || EXAMPLES[0][1];

  function setStatus(text, kind) {
    status.textContent = text;
    status.className = kind || "";
  }

  function termText(term) {
    if (!term) { return ""; }
    if (term.type === "literal" && term["xml:lang"]) { return term.value + " @" + term["xml:lang"]; }
    return term.value;
  }

  function table(data) {
    var vars = data.head.vars || [];
    var t = document.createElement("table");
    var head = t.createTHead().insertRow();
    vars.forEach(function (v) {
      var th = document.createElement("th");
      th.textContent = "?" + v;
      head.appendChild(th);
    });
    var body = t.createTBody();
    data.results.bindings.forEach(function (binding) {
      var row = body.insertRow();
      vars.forEach(function (v) { row.insertCell().textContent = termText(binding[v]); });
    });
    return t;
  }

  document.getElementById("query-form").addEventListener("submit", function (event) {
    event.preventDefault();
    results.textContent = "";
    setStatus("运行中…");
    var started = performance.now();
    var body = new URLSearchParams();
    body.set("query", editor.value);
    var accept = format.value;
    if (/^\s*(PREFIX[^\n]*\n\s*)*(CONSTRUCT|DESCRIBE)/i.test(editor.value) && accept.indexOf("sparql-results") >= 0) {
      accept = "text/turtle";
    }
    fetch("/sparql", { method: "POST", headers: { "Accept": accept + ", application/problem+json;q=0.9" }, body: body })
      .then(function (response) {
        var truncated = response.headers.get("Fengong-Truncated") === "true";
        var ms = Math.round(performance.now() - started);
        return response.text().then(function (text) {
          if (!response.ok) {
            var detail = text;
            try { detail = JSON.parse(text).detail || text; } catch (e) { /* plain text */ }
            setStatus(response.status + " — " + detail, "error");
            return;
          }
          var type = response.headers.get("Content-Type") || "";
          if (type.indexOf("sparql-results+json") >= 0) {
            var data = JSON.parse(text);
            if (typeof data.boolean === "boolean") {
              results.textContent = data.boolean ? "true" : "false";
              setStatus("ASK · " + ms + " ms");
              return;
            }
            results.appendChild(table(data));
            setStatus(data.results.bindings.length + " 行 · " + ms + " ms" +
              (truncated ? " · 结果已截断（达到行数上限）" : ""), truncated ? "warn" : "");
          } else {
            var pre = document.createElement("pre");
            pre.textContent = text;
            results.appendChild(pre);
            setStatus(type + " · " + ms + " ms" + (truncated ? " · 结果已截断" : ""), truncated ? "warn" : "");
          }
        });
      })
      .catch(function (error) { setStatus(String(error), "error"); });
  });
}());
