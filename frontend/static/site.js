// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // The language switcher submits itself on change; its button stays for no-JS users.
  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    const select = form.querySelector("select");
    const button = form.querySelector("button");
    if (select && button) {
      button.hidden = true;
      select.addEventListener("change", () => form.submit());
    }
  }
  // Ask before irreversible actions (picking a buddy, ending a contract).
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});

// Profile forms: "Add another language" clones the last language row with the next index
// (lang_code_N / lang_level_N). Without JavaScript the page always offers one spare row.
document.addEventListener("DOMContentLoaded", () => {
  for (const fieldset of document.querySelectorAll("[data-lang-rows]")) {
    const button = fieldset.querySelector("[data-add-lang]");
    if (!button) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      const rows = fieldset.querySelectorAll(".lang-row");
      const last = rows[rows.length - 1];
      if (!last || rows.length >= 12) return;
      const next = rows.length;
      const copy = last.cloneNode(true);
      copy.classList.remove("has-error");
      for (const error of copy.querySelectorAll(".error")) error.remove();
      for (const el of copy.querySelectorAll("[name], [id], [for]")) {
        for (const attr of ["name", "id", "for"]) {
          const value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(/_\d+$/, "_" + next));
        }
        if (el.tagName === "SELECT") {
          el.selectedIndex = 0;
          el.removeAttribute("aria-invalid");
          el.removeAttribute("aria-describedby");
        }
      }
      for (const label of copy.querySelectorAll("label")) {
        label.textContent = label.textContent.replace(/\d+/, String(next + 1));
      }
      last.after(copy);
      copy.querySelector("select")?.focus();
    });
  }
});
