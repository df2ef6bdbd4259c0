// Print buttons (data-print): inline handlers are not allowed by the CSP.
document.querySelectorAll("[data-print]").forEach(function (b) {
  b.addEventListener("click", function () { window.print(); });
});
