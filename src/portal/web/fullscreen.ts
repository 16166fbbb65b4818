// The Full screen button of the console pages (VNC and RDP): toggles full screen for `target`,
// says so on the button (pressed, and its words), and says in `status` when the browser refuses.
export function fullscreenToggle(
  button: HTMLButtonElement,
  target: HTMLElement,
  status: HTMLElement,
  onChange: () => void = () => {},
): void {
  button.addEventListener('click', () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else
      void target.requestFullscreen().catch(() => {
        status.textContent = 'This browser did not allow full screen.';
      });
  });
  document.addEventListener('fullscreenchange', () => {
    const full = document.fullscreenElement !== null;
    button.setAttribute('aria-pressed', String(full));
    button.textContent = full ? 'Exit full screen' : 'Full screen';
    onChange();
  });
}
