// The running scores of an assessment form: each domain's sum of the
// chosen answers' scores and the total, updated as answers are tapped.
// Without JavaScript the page shows the sums as last saved.
(function () {
  "use strict";
  function update(form) {
    var total = 0;
    var domains = form.querySelectorAll("[data-domain]");
    for (var i = 0; i < domains.length; i++) {
      var sum = 0;
      var checked = domains[i].querySelectorAll("input[type=radio]:checked");
      for (var j = 0; j < checked.length; j++) {
        sum += parseInt(checked[j].getAttribute("data-score"), 10) || 0;
      }
      var out = domains[i].querySelector("[data-domain-score]");
      if (out) out.textContent = String(sum);
      total += sum;
    }
    var t = form.querySelector("[data-total]");
    if (t) t.textContent = String(total);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form.assessment");
    for (var i = 0; i < forms.length; i++) {
      (function (form) {
        form.addEventListener("change", function () { update(form); });
        update(form);
      })(forms[i]);
    }
  });
})();
