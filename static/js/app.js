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

// Keyboard shortcuts, listed by "?": "/" search, "j"/"k" (or ↓ from the search box) move through
// a list's rows, Enter opens the row, "e" edits the field in focus (or the first one). Keys typed
// into a control are left to it.
const typing = (element) => element.closest?.("input, textarea, select, [contenteditable]");

function listRows() {
  return [...document.querySelectorAll("main table.grid tbody tr")].filter((row) => row.querySelector("a[href]"));
}

function moveThroughRows(step) {
  const rows = listRows();
  if (!rows.length) return;
  const current = rows.indexOf(document.activeElement.closest?.("tr"));
  const next = rows[current === -1 ? (step > 0 ? 0 : rows.length - 1) : Math.min(Math.max(current + step, 0), rows.length - 1)];
  next.tabIndex = -1;
  next.focus();
  next.scrollIntoView({ block: "nearest" });
}

document.addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" && event.target.matches?.("main input[type=search]") && listRows().length) {
    event.preventDefault();
    moveThroughRows(1);
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  const row = event.target.closest?.("tr");
  if (event.key === "Enter" && row && event.target === row) {
    row.querySelector("a[href]")?.click();
    return;
  }
  const action = {
    "/": () => document.querySelector("main input[type=search]")?.focus(),
    j: () => moveThroughRows(1),
    k: () => moveThroughRows(-1),
    e: () => (event.target.closest?.(".meta-field") ?? document.querySelector(".meta-field"))?.querySelector("button.edit")?.click(),
    "?": () => document.getElementById("shortcuts")?.showModal(),
  }[event.key];
  if (!action) return;
  event.preventDefault();
  action();
});

document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-open-dialog]");
  if (opener) document.getElementById(opener.dataset.openDialog)?.showModal();
});

// Choosing rows for a bulk action: a box per row, one for the whole page (shift-click chooses
// a range), or every session the list matches. The bar says what is chosen; Apply waits for a choice.
let lastChosen = null;

function updateBulkBar() {
  const bar = document.getElementById("bulk");
  if (!bar) return;
  const boxes = [...document.querySelectorAll('input[name=id][form=bulk]')];
  const chosen = boxes.filter((box) => box.checked).length;
  const matching = document.getElementById("bulk-matching");
  const count = document.getElementById("bulk-count");
  if (matching?.checked) {
    count.textContent = `${matching.parentElement.textContent.trim()} chosen`;
  } else {
    count.textContent = chosen ? `${chosen} chosen` : "None chosen";
  }
  document.getElementById("bulk-apply").disabled = !chosen && !matching?.checked;
  const page = document.getElementById("choose-page");
  if (page) {
    page.checked = chosen > 0 && chosen === boxes.length;
    page.indeterminate = chosen > 0 && chosen < boxes.length;
  }
}

document.addEventListener("click", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement)) return;
  if (box.id === "choose-page") {
    for (const row of document.querySelectorAll('input[name=id][form=bulk]')) row.checked = box.checked;
  } else if (box.name === "id" && box.getAttribute("form") === "bulk") {
    const boxes = [...document.querySelectorAll('input[name=id][form=bulk]')];
    if (event.shiftKey && lastChosen && boxes.includes(lastChosen)) {
      const [from, to] = [boxes.indexOf(lastChosen), boxes.indexOf(box)].sort((a, b) => a - b);
      for (const row of boxes.slice(from, to + 1)) row.checked = box.checked;
    }
    lastChosen = box;
  } else if (box.id !== "bulk-matching") {
    return;
  }
  updateBulkBar();
});
document.addEventListener("htmx:after:swap", updateBulkBar);

// An attachment's player: its notes as marks along it (clicking one plays from there), and "Add note here",
// which puts the player's position into the timeline's note form.
const playerOf = (element) => document.getElementById(element.closest("[data-player]")?.dataset.player ?? "");

function formatPosition(seconds) {
  const millis = Math.round(seconds * 1000);
  const whole = Math.floor(millis / 1000);
  const [hours, minutes, secs] = [Math.floor(whole / 3600), Math.floor(whole / 60) % 60, whole % 60];
  const text = hours ? `${hours}:${String(minutes).padStart(2, "0")}:${String(secs).padStart(2, "0")}`
    : `${minutes}:${String(secs).padStart(2, "0")}`;
  return millis % 1000 ? `${text}.${String(millis % 1000).padStart(3, "0")}` : text;
}

function placeNoteMarks(player) {
  const marks = document.querySelector(`.note-marks[data-player="${player.id}"]`);
  if (!marks || !player.duration) return;
  for (const mark of marks.querySelectorAll("[data-seek]")) {
    const share = Number(mark.dataset.seek) / player.duration;
    mark.hidden = share > 1;
    mark.style.left = `${Math.min(share, 1) * 100}%`;
  }
}

document.addEventListener("loadedmetadata", (event) => {
  if (event.target.matches?.("audio.session-player")) placeNoteMarks(event.target);
}, true);
// A player may know its length before this script runs (a page from the cache), and a swap may draw new marks.
function placeEveryNoteMark() {
  for (const player of document.querySelectorAll("audio.session-player")) {
    if (player.readyState >= HTMLMediaElement.HAVE_METADATA) placeNoteMarks(player);
  }
}
placeEveryNoteMark();
document.addEventListener("htmx:after:swap", placeEveryNoteMark);

document.addEventListener("click", (event) => {
  const mark = event.target.closest(".note-marks [data-seek]");
  if (mark) {
    const player = playerOf(mark);
    player.currentTime = Number(mark.dataset.seek);
    player.play();
    return;
  }
  const here = event.target.closest(".add-note-here");
  if (!here) return;
  const player = playerOf(here);
  player.pause();
  const position = document.getElementById("note-position");
  position.value = formatPosition(player.currentTime);
  position.scrollIntoView({ block: "center" });
  document.getElementById("note-text").focus();
});
