// A list's controls (those of a GET form) ask for the list with their whole form, including
// the state kept in controls outside it (form="…"); no GET writes empty values into the URL.
document.addEventListener("htmx:config:request", (event) => {
  const { ctx } = event.detail;
  if (ctx.request.method !== "GET") return;
  const form = ctx.sourceElement?.form;
  const body = form?.method === "get" ? new FormData(form) : ctx.request.body;
  const kept = new FormData();
  for (const [name, value] of body) if (value !== "") kept.append(name, value);
  ctx.request.body = kept;
});

// Esc in a search box clears it, and the list follows as it does while typing.
document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (event.key !== "Escape" || !(box instanceof HTMLInputElement) || box.type !== "search" || !box.value) return;
  event.preventDefault();
  box.value = "";
  box.dispatchEvent(new Event("input", { bubbles: true }));
});

// A "Remove" button in a form row removes its row; nothing is sent until the form is.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-remove]");
  if (button) document.getElementById(button.dataset.remove)?.remove();
});

// A box above a long list of links shows only the items whose text holds what is typed.
document.addEventListener("input", (event) => {
  const box = event.target.closest("[data-find-in]");
  if (!box) return;
  const wanted = box.value.trim().toLowerCase();
  for (const item of document.getElementById(box.dataset.findIn)?.children ?? []) {
    item.hidden = wanted !== "" && !item.textContent.toLowerCase().includes(wanted);
  }
});

// Esc in a field's edit form cancels the edit, as its Cancel button does.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const cancel = event.target.closest?.("form.editing")?.querySelector("button.cancel");
  if (!cancel) return;
  event.preventDefault();
  cancel.click();
});

// A button with data-toggle-open shows or hides the element it names (the facets on a narrow screen).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-toggle-open]");
  if (!button) return;
  const open = document.getElementById(button.dataset.toggleOpen)?.classList.toggle("open");
  button.setAttribute("aria-expanded", open ? "true" : "false");
});

// A Copy button copies the text (or value) of the element it names, and says so for a moment.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  const source = button && document.getElementById(button.dataset.copy);
  if (!source) return;
  const text = "value" in source ? source.value : source.textContent.trim();
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Without a secure context there is no clipboard API; a selection and the copy command still work.
    if ("select" in source) {
      source.select();
    } else {
      getSelection().selectAllChildren(source);
    }
    document.execCommand("copy");
  }
  const label = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = label; }, 1500);
});
