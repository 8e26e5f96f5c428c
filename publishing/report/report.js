// Language switch: every element whose wording differs carries data-da and data-en.
(function () {
  "use strict";
  var root = document.documentElement;
  var button = document.getElementById("lang-toggle");

  function apply(lang) {
    var nodes = document.querySelectorAll("[data-en]");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].textContent = nodes[i].getAttribute("data-" + lang);
    }
    root.setAttribute("lang", lang);
    button.setAttribute("lang", lang === "da" ? "en" : "da");
    button.setAttribute("aria-pressed", lang === "en" ? "true" : "false");
  }

  button.addEventListener("click", function () {
    var next = root.getAttribute("lang") === "en" ? "da" : "en";
    apply(next);
    try {
      history.replaceState(null, "", next === "en" ? "#en" : "#");
    } catch (ignored) {
      // a viewer that forbids history changes still switches the labels
    }
  });

  if (location.hash === "#en") {
    apply("en");
  }
  root.setAttribute("data-charts", String(document.querySelectorAll("svg.chart").length));
  root.setAttribute("data-ready", "1");
})();
