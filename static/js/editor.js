// The table editor: autosave state, unsaved text kept in the browser until the server has it,
// keyboard navigation, paste of many rows, dependent 一级/二级 selects, and findings beside rows.
// No inline scripts anywhere (Content-Security-Policy): everything is wired here from data attributes.
(() => {
  "use strict";

  const editor = () => document.getElementById("editor");
  const editable = () => editor() && editor().dataset.editable === "1";
  const inEditor = (el) => editor() && el instanceof Element && editor().contains(el);

  // ---------------------------------------------------------------- save state

  function clock() {
    return new Date().toTimeString().slice(0, 5);
  }

  function setState(text, cls) {
    const el = document.getElementById("save-state");
    if (!el) return;
    el.textContent = text;
    el.className = `save-state small ${cls || ""}`;
    el.dataset.state = cls || "";
  }

  function rowState(key, text, cls) {
    const el = document.getElementById(`${key}-state`);
    if (!el) return;
    el.textContent = text;
    el.className = `row-state small ${cls || ""}`;
  }

  // ---------------------------------------------------------------- drafts (localStorage)
  // Typed text stays in the browser until the server confirms the save, so a lost
  // connection or an expired session loses nothing; the page restores and resaves it.
  // Drafts are kept per user (and cleared at logout, app.js): on a shared computer the next
  // person to open the table must not save the last one's text under their own name.

  const prefix = () => `editor-draft:${editor().dataset.user}:${editor().dataset.table}:`;

  function readDraft(key) {
    try {
      return JSON.parse(localStorage.getItem(prefix() + key));
    } catch {
      return null;
    }
  }

  function writeDraft(key, draft) {
    try {
      localStorage.setItem(prefix() + key, JSON.stringify(draft));
    } catch {
      /* storage full or disabled: the save itself still runs */
    }
  }

  function dropDraft(key) {
    try {
      localStorage.removeItem(prefix() + key);
    } catch {
      /* ignore */
    }
  }

  function baseOf(key) {
    const el = document.getElementById(`${key}-base`);
    return el ? el.value : "";
  }

  function recordEdit(event) {
    const el = event.target;
    if (!editable() || !inEditor(el) || !el.name || el.type === "hidden" || el.name === "csrfmiddlewaretoken") return;
    const holder = el.closest("[data-draft-key]");
    if (!holder) return;
    const key = holder.dataset.draftKey;
    const draft = readDraft(key) || { base: baseOf(key), fields: {}, seq: 0 };
    draft.fields[el.name] = el.value;
    draft.seq += 1;
    draft.at = Date.now();
    writeDraft(key, draft);
    holder.classList.add("dirty");
    rowState(key, "未保存", "dirty");
  }

  document.addEventListener("input", recordEdit);
  document.addEventListener("change", recordEdit, true);

  function restoreDrafts() {
    if (!editable()) return;
    let restored = 0;
    for (let i = localStorage.length - 1; i >= 0; i -= 1) {
      const storageKey = localStorage.key(i);
      if (!storageKey || !storageKey.startsWith(prefix())) continue;
      const key = storageKey.slice(prefix().length);
      const holder = document.querySelector(`[data-draft-key="${CSS.escape(key)}"]`);
      if (!holder) continue; // a row of another step, or one deleted since
      const draft = readDraft(key);
      if (!draft || !draft.fields) continue;
      let changed = 0;
      for (const [name, value] of Object.entries(draft.fields)) {
        const field = holder.querySelector(`[name="${CSS.escape(name)}"]`);
        if (!field || field.value === value) continue;
        if (name === "level1" && field.tagName === "SELECT") {
          field.value = value;
          fillLevel2(holder, draft.fields.level2);
        } else {
          field.value = value;
        }
        changed += 1;
      }
      if (!changed) {
        dropDraft(key);
        continue;
      }
      // Save against the version the text was typed on: a change made meanwhile by someone else is a conflict.
      const base = document.getElementById(`${key}-base`);
      if (base && draft.base) base.value = draft.base;
      holder.classList.add("dirty");
      rowState(key, "已恢复，保存中…", "dirty");
      restored += 1;
      window.htmx.trigger(holder, "change");
    }
    if (restored) {
      const note = document.getElementById("restored-drafts");
      if (note) {
        note.textContent = `已恢复 ${restored} 处上次未保存的内容，正在重新保存。`;
        note.classList.remove("d-none");
      }
    }
  }

  document.addEventListener("click", (event) => {
    const el = event.target.closest("[data-discard-draft]");
    if (el) dropDraft(el.dataset.discardDraft);
  });

  // ---------------------------------------------------------------- htmx: version, state, errors

  // The table's version, sent with every write so a save over a newer version is a conflict.
  // One place holds it (#editor's data-version) and one channel updates it: the X-Table-Version
  // header every write answers with, read after the swap (htmx fires afterRequest before a
  // queued request is configured, so the next save already sends the new version).
  const tableVersion = () => editor().dataset.version;

  function takeVersion(event) {
    const version = editor() && event.detail.xhr && event.detail.xhr.getResponseHeader("X-Table-Version");
    if (version) editor().dataset.version = version;
  }

  document.addEventListener("htmx:configRequest", (event) => {
    const elt = event.detail.elt;
    if (!inEditor(elt)) return;
    const verb = (event.detail.verb || "").toLowerCase();
    if (verb === "get") return;
    const version = tableVersion();
    if (event.detail.formData) event.detail.formData.set("version", version);
    else event.detail.parameters.version = version;
    const holder = elt.closest("[data-draft-key]");
    if (holder && holder === elt) {
      const draft = readDraft(holder.dataset.draftKey);
      holder.dataset.sentSeq = draft ? String(draft.seq) : "";
      rowState(holder.dataset.draftKey, "保存中…", "saving");
    }
    setState("保存中…", "saving");
  });

  function noteChangedElsewhere(changedElsewhere) {
    if (changedElsewhere) document.getElementById("changed-elsewhere")?.classList.remove("d-none");
  }

  // Cells a row save re-derived (the value from its parts, or the parts from the value). A cell the
  // user is typing in keeps what they typed: its own change saves next and derives again.
  function showDerived(cells) {
    for (const [id, text] of Object.entries(cells || {})) {
      const el = document.getElementById(id);
      if (!el) continue;
      if (el === document.activeElement && el.value !== (el.getAttribute("value") ?? el.value)) continue;
      el.value = text;
      if (el.tagName === "INPUT") el.setAttribute("value", text);
    }
  }

  document.addEventListener("editor:saved", (event) => {
    const { key, base, changedElsewhere, cells } = event.detail || {};
    showDerived(cells);
    if (key) {
      const holder = document.querySelector(`[data-draft-key="${CSS.escape(key)}"]`);
      const draft = readDraft(key);
      if (draft && holder && holder.dataset.sentSeq === String(draft.seq)) dropDraft(key);
      else if (draft && base) writeDraft(key, { ...draft, base });
      if (holder) holder.classList.remove("dirty");
      rowState(key, "已保存", "saved");
    }
    noteChangedElsewhere(changedElsewhere);
    setState(`已保存 ${clock()}`, "saved");
  });

  document.addEventListener("editor:written", (event) => noteChangedElsewhere((event.detail || {}).changedElsewhere));

  document.addEventListener("htmx:afterRequest", (event) => {
    // Before the editor check: after a grid swap the request's element is gone from the page,
    // and htmx fires this event again on its closest remaining ancestor.
    takeVersion(event);
    if (!inEditor(event.detail.elt)) return;
    const xhr = event.detail.xhr;
    const verb = (event.detail.requestConfig && event.detail.requestConfig.verb) || "";
    if (verb.toLowerCase() === "get") return;
    if (event.detail.successful) {
      if (!xhr.getResponseHeader("HX-Trigger")?.includes("editor:saved")) setState(`已保存 ${clock()}`, "saved");
      return;
    }
    const status = xhr ? xhr.status : 0;
    const reasons = { 403: "无权修改（只读）", 409: "与他人的修改冲突", 422: "内容有误" };
    setState(`保存失败：${reasons[status] || (status ? `服务器错误 ${status}` : "网络断开")}，内容已保存在本机`, "failed");
  });

  document.addEventListener("htmx:sendError", () => setState("保存失败：网络断开，内容已保存在本机，恢复后请再改动一次以重新保存", "failed"));

  // Conflicts (409) carry the newer values: swap them in like 422 (see app.js).
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.xhr.status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Session expired: go to the login page and come back to this page (not to the save URL);
  // the unsaved text is in localStorage and is restored and saved after login.
  document.addEventListener("htmx:beforeOnLoad", (event) => {
    const xhr = event.detail.xhr;
    const target = xhr && xhr.getResponseHeader("HX-Redirect");
    const login = editor() && editor().dataset.loginUrl;
    if (!target || !login) return;
    const url = new URL(target, window.location.href);
    if (!url.pathname.startsWith(login)) return;
    event.preventDefault();
    url.searchParams.set("next", window.location.pathname + window.location.search);
    setState("登录已过期：未保存的内容已保存在本机，重新登录后自动恢复", "failed");
    window.location.assign(url.toString());
  });

  document.addEventListener("editor:focus", (event) => {
    const el = document.getElementById(event.detail && event.detail.id);
    if (el) el.focus();
  });

  // ---------------------------------------------------------------- findings beside rows and fields

  // The server draws every finding list (editor/parts.html#row-findings): beside the rows on the
  // page, and after each change all of them again in #findings-data (out of band, as a save
  // changes the findings of other rows too); this copies them into place.
  function showFindings() {
    const data = document.getElementById("findings-data");
    if (!data) return;
    const fresh = new Map();
    for (const list of data.querySelectorAll("ul[data-target]")) fresh.set(list.dataset.target, list);
    for (const list of document.querySelectorAll("ul.row-findings[data-target], ul.field-findings[data-target]")) {
      if (data.contains(list)) continue;
      const found = fresh.get(list.dataset.target);
      list.replaceChildren(...(found ? [...found.children].map((item) => item.cloneNode(true)) : []));
      const row = list.closest(".grid-row");
      if (row) {
        row.classList.toggle("has-error", !!list.querySelector(".finding-error"));
        row.classList.toggle("has-warning", !!list.querySelector(".finding-warning"));
      }
    }
  }

  document.addEventListener("htmx:afterSettle", () => {
    showFindings();
    markSuspectValues();
  });

  function markSuspectValues() {
    for (const parse of document.querySelectorAll(".ind-row .parse")) {
      const input = parse.parentElement.querySelector("input[name=value]");
      if (input) input.classList.toggle("is-suspect", !!parse.querySelector(".parse-error"));
    }
  }

  // ---------------------------------------------------------------- 一级 → 二级

  let tree = null;
  function schemeTree() {
    if (tree === null) {
      const el = document.getElementById("scheme-tree");
      tree = el ? JSON.parse(el.textContent) : {};
    }
    return tree;
  }

  function fillLevel2(row, keep) {
    const level1 = row.querySelector("select[name=level1]");
    const level2 = row.querySelector("select[name=level2]");
    if (!level1 || !level2) return;
    const names = schemeTree()[level1.value] || [];
    const wanted = keep !== undefined ? keep : level2.value;
    const blank = new Option("请选择", "");
    level2.replaceChildren(blank, ...names.map((n) => new Option(n, n)));
    level2.value = names.includes(wanted) ? wanted : "";
  }

  // Capture phase: the 二级 list is right before htmx (listening on the row) sends the save.
  document.addEventListener(
    "change",
    (event) => {
      const el = event.target;
      if (el.matches && el.matches(".ind-row select[name=level1]")) fillLevel2(el.closest(".ind-row"));
    },
    true,
  );

  // ---------------------------------------------------------------- keyboard

  function rowsOf(grid) {
    return [...grid.querySelectorAll("tr.grid-row")];
  }

  function cellIn(row, name) {
    return row && row.querySelector(`[name="${CSS.escape(name)}"]:not([type=hidden])`);
  }

  function press(row, selector) {
    const button = row && row.querySelector(selector);
    if (button) button.click();
  }

  function fillDown(el) {
    const row = el.closest(".grid-row");
    const rows = rowsOf(el.closest(".editor-grid"));
    const above = rows[rows.indexOf(row) - 1];
    const source = cellIn(above, el.name);
    if (!source) return;
    if (el.name === "level1") {
      el.value = source.value;
      fillLevel2(row, cellIn(above, "level2")?.value);
    } else {
      el.value = source.value;
    }
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("keydown", (event) => {
    const el = event.target;
    if (!editable() || !(el instanceof Element)) return;
    if (event.altKey && (event.key === "z" || event.key === "Z")) {
      const undo = document.getElementById("undo-button");
      if (undo) {
        event.preventDefault();
        undo.click();
      }
      return;
    }
    if (!el.classList.contains("cell")) return;
    const row = el.closest(".grid-row");
    const grid = el.closest(".editor-grid");
    if (!row || !grid) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      el.dispatchEvent(new Event("change", { bubbles: true }));
      press(row, ".act-insert");
    } else if (event.key === "Enter" && !event.shiftKey && !event.altKey) {
      event.preventDefault();
      const rows = rowsOf(grid);
      const next = rows[rows.indexOf(row) + 1];
      const target = cellIn(next, el.name);
      if (target) target.focus();
      else {
        el.blur(); // commits the cell (change) before the new row is asked for
        grid.querySelector(".add-row")?.click();
      }
    } else if ((event.key === "d" || event.key === "D") && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      fillDown(el);
    } else if (event.altKey && event.key === "ArrowUp") {
      event.preventDefault();
      press(row, ".act-up");
    } else if (event.altKey && event.key === "ArrowDown") {
      event.preventDefault();
      press(row, ".act-down");
    } else if (event.altKey && (event.key === "Delete" || event.key === "Backspace")) {
      event.preventDefault();
      press(row, ".act-delete");
    }
  });

  // ---------------------------------------------------------------- paste many rows into the grid

  document.addEventListener("paste", (event) => {
    const el = event.target;
    if (!editable() || !(el instanceof Element) || !el.classList.contains("cell")) return;
    const grid = el.closest(".editor-grid");
    const text = (event.clipboardData || window.clipboardData)?.getData("text/plain") || "";
    if (!grid || !(text.includes("\t") || text.replace(/\s+$/, "").includes("\n"))) return; // one cell: paste as usual
    event.preventDefault();
    const row = el.closest(".grid-row");
    pasteRows(grid, text, row ? row.dataset.rowId : "");
  });

  function pasteRows(grid, text, after) {
    setState("正在粘贴…", "saving");
    window.htmx.ajax("POST", grid.dataset.pasteUrl, {
      source: grid,
      target: `#${grid.id}`,
      swap: "outerHTML",
      values: { text, after, version: tableVersion() },
    });
  }

  // ---------------------------------------------------------------- start

  function init() {
    if (!editor()) return;
    showFindings();
    markSuspectValues();
    restoreDrafts();
  }

  // After htmx has processed the page (its DOMContentLoaded listener was added first):
  // a restored draft is saved through the row's own hx-post.
  if (document.readyState === "complete") init();
  else document.addEventListener("DOMContentLoaded", init);
})();
