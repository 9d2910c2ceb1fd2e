// Site-wide behaviour. No inline scripts anywhere (Content-Security-Policy).
document.addEventListener("htmx:configRequest", () => {});
// Show messages that travel in the HX-Trigger header (see tables.middleware).
document.addEventListener("messages", (event) => {
  const box = document.getElementById("messages");
  if (!box || !event.detail || !event.detail.value) return;
  for (const message of event.detail.value) {
    const div = document.createElement("div");
    div.className = `alert alert-${message.level === "error" ? "danger" : message.level || "info"}`;
    div.setAttribute("role", "alert");
    div.textContent = message.text;
    box.appendChild(div);
  }
});
// Let htmx swap 422 responses (forms re-rendered with their errors), and 409 for a form that opts in
// with data-swap-conflict (what was entered comes back with the message and the newer version).
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  const conflict = status === 409 && event.detail.elt && event.detail.elt.closest("[data-swap-conflict]");
  if (status === 422 || conflict) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
// Logging out forgets the editor's unsaved drafts (static/js/editor.js): they are this user's alone.
document.addEventListener("submit", (event) => {
  if (!event.target.matches("form[data-clear-drafts]")) return;
  try {
    for (let i = localStorage.length - 1; i >= 0; i -= 1) {
      const key = localStorage.key(i);
      if (key && key.startsWith("editor-draft:")) localStorage.removeItem(key);
    }
  } catch {
    /* storage disabled: there are no drafts */
  }
});
