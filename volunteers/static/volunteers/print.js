// The certificate's print button (no inline script: the CSP allows only our own files).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
