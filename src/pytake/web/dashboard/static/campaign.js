"use strict";
// The campaign page: live figures over the WebSocket (the session cookie signs it in),
// lifecycle buttons calling the JSON API, and charts refreshed in place.
(() => {
  const root = document.querySelector("[data-campaign]");
  if (!root) return;
  const { csrfToken, toast, pct } = window.PyTake;
  const id = root.dataset.campaign;
  const numbers = new Intl.NumberFormat();
  const ALLOWED = JSON.parse(root.dataset.transitions);
  const DONE = {
    start: "Campaign started.",
    pause: "Campaign paused.",
    resume: "Campaign resumed.",
    "retry-failed": "Failed messages are queued again.",
    cancel: "Campaign cancelled.",
  };
  const PAUSED_BECAUSE = JSON.parse(root.dataset.pauseTexts);
  const INSIGHTS_EVERY_MS = 4000;
  let status = root.dataset.status;
  let failed = Number(root.querySelector('[data-stat="failed"]').textContent.replace(/\D/g, ""));
  let lastInsights = 0;
  let insightsTimer = null;

  function each(selector, apply) {
    root.querySelectorAll(selector).forEach(apply);
  }

  function share(value, total) {
    return total > 0 ? Math.min(100, (100 * value) / total) : 0;
  }

  function showStatus(next) {
    status = next;
    root.dataset.status = next;
    each("[data-created-notice]", (notice) => { notice.hidden = next !== "draft"; });
    each("[data-status-badge]", (badge) => {
      badge.className = `badge badge-${next}`;
      badge.textContent = next.charAt(0).toUpperCase() + next.slice(1).replace("_", " ");
    });
    each("[data-action]", (button) => {
      const action = button.dataset.action;
      button.hidden = !ALLOWED[action].includes(next) || (action === "retry-failed" && failed === 0);
    });
  }

  // The same wording as the server's `time_left` filter.
  function timeLeft(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s left`;
    if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
    const minutes = Math.round(seconds / 60);
    return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
  }

  function showFigures(event) {
    const counts = { ...event.stats.statuses, audience: event.stats.total_contacts };
    const total = event.stats.total_contacts;
    failed = counts.failed;
    each("[data-progress-value]", (el) => { el.textContent = pct(event.progress); });
    each("[data-progress]", (el) => el.setAttribute("aria-valuenow", pct(event.progress)));
    each('[data-bar="progress"]', (el) => el.setAttribute("width", `${event.progress}%`));
    each("[data-total]", (el) => { el.textContent = numbers.format(total); });
    each("[data-eta]", (el) => { el.textContent = timeLeft(event.eta_seconds); });
    each("[data-finished]", (el) => {
      el.textContent = numbers.format(total - counts.pending - counts.retrying);
    });
    for (const [key, value] of Object.entries(counts)) {
      each(`[data-stat="${key}"]`, (el) => { el.textContent = numbers.format(value); });
      each(`[data-share="${key}"]`, (el) => { el.textContent = pct(share(value, total)); });
      each(`[data-bar="${key}"]`, (el) => el.setAttribute("width", `${share(value, total)}%`));
    }
  }

  function showPause(event) {
    const notice = root.querySelector("[data-pause-notice]");
    notice.hidden = event.status !== "paused";
    const reason = PAUSED_BECAUSE[event.pause_reason] || PAUSED_BECAUSE.manual;
    const manual = !event.pause_reason || event.pause_reason === "manual";
    const detail = event.pause_detail && !manual ? ` ${event.pause_detail}` : "";
    notice.querySelector("[data-pause-text]").textContent = reason + detail;
  }

  async function refreshInsights() {
    lastInsights = Date.now();
    const answer = await fetch(`/campaigns/${id}/insights`, { credentials: "same-origin" });
    if (!answer.ok || answer.redirected) return;
    const fragment = new DOMParser().parseFromString(await answer.text(), "text/html");
    fragment.querySelectorAll("[data-insight]").forEach((fresh) => {
      const here = root.querySelector(`[data-insight="${fresh.dataset.insight}"]`);
      if (here) here.replaceChildren(...fresh.childNodes);
    });
  }

  function scheduleInsights(now) {
    clearTimeout(insightsTimer);
    const wait = now ? 0 : Math.max(0, lastInsights + INSIGHTS_EVERY_MS - Date.now());
    insightsTimer = setTimeout(() => refreshInsights().catch(() => {}), wait);
  }

  function onEvent(event) {
    const ended = event.final && status !== event.status;
    showFigures(event);
    showPause(event);
    showStatus(event.status);
    scheduleInsights(ended);
  }

  function setLive(state, text) {
    each("[data-live]", (el) => {
      el.dataset.state = state;
      el.textContent = text;
    });
  }

  let retryMs = 1000;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/ws/campaigns/${id}`);
    socket.addEventListener("open", () => { setLive("live", "Live"); retryMs = 1000; });
    socket.addEventListener("message", (message) => onEvent(JSON.parse(message.data)));
    socket.addEventListener("close", (closed) => {
      if (closed.code === 1008) {
        setLive("lost", "Signed out");
        toast("Your session has ended: sign in again to follow this campaign.", "error");
        return;
      }
      if (closed.code === 1000) {
        setLive("lost", closed.reason || "Closed");
        return;
      }
      setLive("lost", "Reconnecting…");
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 15000);
    });
  }

  function problemOf(body, code) {
    if (typeof body.detail === "string") return body.detail;
    if (Array.isArray(body.detail) && body.detail.length) return body.detail[0].msg;
    return `The server answered ${code}.`;
  }

  async function act(button) {
    const action = button.dataset.action;
    if (action === "cancel" && !window.confirm("Cancel this campaign? Contacts not yet messaged will not be.")) {
      return;
    }
    button.setAttribute("aria-busy", "true");
    try {
      const answer = await fetch(`/api/v1/campaigns/${id}/${action}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfToken, Accept: "application/json" },
      });
      const body = await answer.json().catch(() => ({}));
      if (answer.ok) {
        toast(DONE[action]);
        showStatus(body.status);
      } else {
        toast(problemOf(body, answer.status), "error");
      }
    } catch (error) {
      toast("The server could not be reached: nothing was changed.", "error");
    } finally {
      button.removeAttribute("aria-busy");
    }
  }

  each("[data-action]", (button) => button.addEventListener("click", () => act(button)));
  showStatus(status);
  connect();
})();
