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
