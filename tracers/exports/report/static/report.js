// tracers case report: click a box or line of the money-flow graph to highlight what it touches and
// show its details; print with every block open. Written for this project; no third-party code.
(function () {
  "use strict";
  var info = document.getElementById("node-info");
  function show(element) {
    var title = element.querySelector("title");
    if (info && title) { info.textContent = title.textContent; }
  }
  document.querySelectorAll("svg.flow").forEach(function (svg) {
    var edges = svg.querySelectorAll("[data-edge-from]");
    var nodes = {};
    svg.querySelectorAll("[data-node-id]").forEach(function (g) { nodes[g.getAttribute("data-node-id")] = g; });
    function clear() {
      svg.classList.remove("focus");
      svg.querySelectorAll(".on").forEach(function (e) { e.classList.remove("on"); });
    }
    function focusNode(g) {
      clear();
      var id = g.getAttribute("data-node-id");
      svg.classList.add("focus");
      g.classList.add("on");
      edges.forEach(function (e) {
        var from = e.getAttribute("data-edge-from"), to = e.getAttribute("data-edge-to");
        if (from === id || to === id) {
          e.classList.add("on");
          var other = nodes[from === id ? to : from];
          if (other) { other.classList.add("on"); }
        }
      });
      show(g);
    }
    svg.addEventListener("click", function (event) {
      var g = event.target.closest("[data-node-id]");
      var edge = event.target.closest("[data-edge-from]");
      if (g) { focusNode(g); }
      else if (edge) {
        clear();
        svg.classList.add("focus");
        edge.classList.add("on");
        [edge.getAttribute("data-edge-from"), edge.getAttribute("data-edge-to")].forEach(function (id) {
          if (nodes[id]) { nodes[id].classList.add("on"); }
        });
        show(edge);
      } else { clear(); }
    });
    svg.addEventListener("keydown", function (event) {
      var g = event.target.closest("[data-node-id]");
      if (g && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); focusNode(g); }
    });
    svg.setAttribute("data-ready", "true");
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.setAttribute("open", ""); });
  });
})();
