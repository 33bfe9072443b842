/* Character counter for long text fields (issue 22 item 4). Progressive enhancement: without
   JavaScript the server still says when a text is too long, and keeps all of it. The field has no
   maxlength attribute, so pasted text is never cut off silently: the counter says how far over it is. */
(function () {
  "use strict";
  var fields = document.querySelectorAll("textarea[data-maxlength]");
  Array.prototype.forEach.call(fields, function (field) {
    var max = parseInt(field.getAttribute("data-maxlength"), 10);
    if (!max) { return; }
    var shown = document.createElement("p");
    shown.className = "help char-count";
    shown.id = field.id + "-count";
    shown.setAttribute("aria-hidden", "true");
    var spoken = document.createElement("p");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    field.parentNode.insertBefore(shown, field.nextSibling);
    field.parentNode.insertBefore(spoken, shown.nextSibling);
    var timer = null;
    function format(n) { return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, "."); }
    function message() {
      var left = max - field.value.length;
      if (left >= 0) { return "U kunt nog " + format(left) + (left === 1 ? " teken" : " tekens") + " typen."; }
      return "U heeft " + format(-left) + (left === -1 ? " teken" : " tekens") + " te veel. Maak de tekst korter.";
    }
    function update() {
      var text = message();
      shown.textContent = text;
      shown.classList.toggle("char-count-over", field.value.length > max);
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(function () { spoken.textContent = text; }, 1000);
    }
    field.addEventListener("input", update);
    shown.textContent = message();
  });
})();
