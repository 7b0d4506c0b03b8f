// Back office: a response template fills the answer box it belongs to.
(function () {
  "use strict";
  document.querySelectorAll("select[data-fill]").forEach(function (select) {
    select.addEventListener("change", function () {
      var target = document.getElementById(select.dataset.fill);
      if (target && select.value) target.value = select.value;
    });
  });
})();
