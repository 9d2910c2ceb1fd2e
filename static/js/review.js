// Review pages: comment badges next to rows, click a row to comment on it, confirmations,
// the "not published" reason. No inline scripts or handlers anywhere (Content-Security-Policy).
(() => {
  "use strict";

  // A badge in each row that has comments, linking to its first thread: the server draws the
  // badges beside the threads (review/_comment_badge.html), this puts each into its row.
  function markCommentedRows(root) {
    for (const badge of root.querySelectorAll(".comment-badges .comment-badge[data-row]")) {
      const row = document.getElementById(badge.dataset.row);
      if (!row || row.querySelector(".comment-badge")) continue;
      (row.lastElementChild || row).appendChild(badge.cloneNode(true));
      row.classList.add("has-comments");
    }
  }

  // The row a comment is about gets an outline (there is no stylesheet of our own to hold this).
  function pick(row, on) {
    row.classList.toggle("picked", on);
    row.style.outline = on ? "2px solid #0d6efd" : "";
    row.style.outlineOffset = on ? "-2px" : "";
  }

  // On the review page, clicking a row of the printed table picks it in the comment form.
  function pickRowOnClick(event) {
    const form = document.querySelector(".comment-form");
    if (!form || event.target.closest("a, button, input, textarea, select")) return;
    const row = event.target.closest(".commentable tr[id]");
    if (!row) return;
    const select = form.querySelector("select[name=anchor]");
    const option = select && select.querySelector(`option[data-dom="${CSS.escape(row.id)}"]`);
    if (!option) return;
    select.value = option.value;
    for (const marked of document.querySelectorAll(".commentable tr.picked")) pick(marked, false);
    pick(row, true);
    const body = form.querySelector("textarea[name=body]");
    if (body) body.focus();
  }

  // Links to a row of the table page scroll the printed table on this page when it is here.
  function scrollLocally(event) {
    const link = event.target.closest("a[data-local]");
    if (!link) return;
    const target = document.querySelector(link.dataset.local);
    if (!target) return;
    event.preventDefault();
    target.scrollIntoView({ block: "center" });
    pick(target, true);
    setTimeout(() => pick(target, false), 2000);
  }

  // The rows the diff lists as changed, moved or added are highlighted in the printed table.
  function markChangedRows() {
    for (const link of document.querySelectorAll("a.diff-marks-row[data-local]")) {
      const row = document.querySelector(`.commentable ${link.dataset.local}`);
      if (row) row.classList.add("highlight");
    }
  }

  function confirmSubmit(event) {
    const button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) event.preventDefault();
  }

  function togglePublished() {
    const select = document.querySelector("select[data-toggles]");
    if (!select) return;
    const target = document.querySelector(select.dataset.toggles);
    const update = () => { if (target) target.hidden = select.value !== "0"; };
    select.addEventListener("change", update);
    update();
  }

  function autosubmit(event) {
    const select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  }

  document.addEventListener("DOMContentLoaded", () => {
    markCommentedRows(document);
    markChangedRows();
    togglePublished();
  });
  document.addEventListener("htmx:afterSettle", () => markCommentedRows(document));
  document.addEventListener("click", pickRowOnClick);
  document.addEventListener("click", scrollLocally);
  document.addEventListener("submit", confirmSubmit);
  document.addEventListener("change", autosubmit);
})();
