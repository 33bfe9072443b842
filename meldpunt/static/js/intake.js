/* Melden form: show the "waar moet ik op letten" line of the chosen option under each select.
   Without JavaScript the same lines are in the "Waar moet ik op letten?" list below the select. */
(function () {
  "use strict";
  var targets = document.querySelectorAll("[data-choice-help-for]");
  Array.prototype.forEach.call(targets, function (target) {
    var id = target.getAttribute("data-choice-help-for");
    var select = document.getElementById(id);
    var list = document.getElementById(id + "-choices");
    if (!select || !list) { return; }
    function update() {
      var help = "";
      var items = list.querySelectorAll("[data-help-code]");
      for (var i = 0; i < items.length; i += 1) {
        if (items[i].getAttribute("data-help-code") === select.value) { help = items[i].textContent; }
      }
      target.textContent = help ? "Waar moet ik op letten: " + help : "";
      target.hidden = !help;
    }
    select.addEventListener("change", update);
    update();
  });
})();
