// The Full screen button of the console pages (VNC and RDP): toggles full screen for `target`,
// says so on the button (pressed, and its words), and says in `status` when the browser refuses.
// In full screen the keyboard is locked where the browser can (the Keyboard Lock API, Chromium):
// Ctrl+W, Ctrl+T, Alt+Tab and the like then go to the desktop instead of closing the tab or leaving
// the window; holding Esc leaves full screen.
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
    const keyboard = (navigator as Navigator & { keyboard?: { lock?(): Promise<void>; unlock?(): void } }).keyboard;
    if (full) void keyboard?.lock?.().catch(() => {});
    else keyboard?.unlock?.();
    button.setAttribute('aria-pressed', String(full));
    button.textContent = full ? 'Exit full screen' : 'Full screen';
    onChange();
  });
}
