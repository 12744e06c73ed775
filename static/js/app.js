// Esc in a search box clears it, and the list follows as it does while typing.
document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (event.key !== "Escape" || !(box instanceof HTMLInputElement) || box.type !== "search" || !box.value) return;
  event.preventDefault();
  box.value = "";
  box.dispatchEvent(new Event("input", { bubbles: true }));
});
