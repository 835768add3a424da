"use strict";
// Shared by every page: the CSRF token for same-origin API calls, toasts, percentages.
window.PyTake = (() => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  let hideTimer = null;

  function toast(message, kind) {
    const box = document.querySelector("[data-toast]");
    if (!box) return;
    box.textContent = message;
    box.dataset.kind = kind || "ok";
    box.hidden = false;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => { box.hidden = true; }, 5000);
  }

  function pct(value) {
    return String(Math.round(value * 10) / 10);
  }

  return { csrfToken: meta ? meta.content : "", toast, pct };
})();
