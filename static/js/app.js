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
// Let htmx swap 422 responses (forms re-rendered with their errors).
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
