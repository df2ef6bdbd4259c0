// Conditional fields of the questionnaire and of the client form (the date
// of birth, its year or the approximate age, by "date of birth known?"): a
// field wrapper with data-show-if names the controlling input; it is shown
// when that input has the option data-show-option (or, with data-show-not,
// is answered without it). Without JavaScript every field stays visible and
// the server ignores the answers of fields whose condition is not met.
(function () {
  "use strict";
  function chosen(form, name) {
    var out = [];
    var els = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var wrap = document.getElementById("w-" + name);
      if (wrap && wrap.hidden) continue;
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked && el.value !== "") out.push(el.value);
      } else if (el.value !== "") {
        out.push(el.value);
      }
    }
    return out;
  }
  function update(form) {
    var deps = form.querySelectorAll("[data-show-if]");
    // Conditions may chain; a few passes settle them.
    for (var pass = 0; pass < 5; pass++) {
      for (var i = 0; i < deps.length; i++) {
        var d = deps[i];
        var vals = chosen(form, d.getAttribute("data-show-if"));
        var has = vals.indexOf(d.getAttribute("data-show-option")) >= 0;
        var show = d.hasAttribute("data-show-not") ? (vals.length > 0 && !has) : has;
        d.hidden = !show;
      }
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form.questionnaire, form.show-if");
    for (var i = 0; i < forms.length; i++) {
      (function (form) {
        update(form);
        form.addEventListener("change", function () { update(form); });
      })(forms[i]);
    }
  });
})();
