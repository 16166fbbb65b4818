/*
 * The remote-desktop benchmark's test pattern (bench/remote/pattern.ts builds and runs it): a
 * window over the whole X screen, redrawn FPS times a second, in which every pixel changes every
 * frame (a diagonal colour gradient moving 4 pixels a frame) — the worst case for a remote display,
 * as a video is — and two things a browser can read back from its canvas:
 *
 * - the frame's number, Gray-coded in FRAME_BITS black or white squares along the top-left edge,
 *   so a viewer can count the frames it actually showed (and see how many it skipped);
 * - a square (MARKER_*) that turns from red to blue or back on every key press, drawn at once (not
 *   at the next frame), for a key press to changed pixel latency.
 *
 * It keeps the keyboard to itself (XGrabKeyboard), so a key reaches it whatever else is on the
 * desktop, and prints `key T` on stdout as each arrives (T: the wall clock, ms since the epoch), so
 * the benchmark can tell the way to the desktop from the way back. SIGUSR1 stops the motion (nothing is drawn but the marker) and SIGUSR2 starts it again,
 * for key presses on a still screen. Once a second it prints `fps N` on stdout: what the desktop itself drew, so the
 * benchmark can tell the desktop's pace from the viewer's. Frames are drawn with MIT-SHM where the
 * X server has it (Xvnc does), else with XPutImage over the socket.
 *
 *   cc -O2 -o testpattern testpattern.c -lX11 -lXext
 *   DISPLAY=:1 ./testpattern [fps]
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/select.h>
#include <sys/shm.h>
#include <time.h>

/* Keep these in step with bench/remote/pattern.ts (PATTERN): the browser side reads them. */
#define FRAME_BITS 16
#define BIT_SIZE 16
#define MARKER_X 0
#define MARKER_Y 32
#define MARKER_SIZE 64
#define STEP 4

static volatile sig_atomic_t still = 0;
static void stop_motion(int sig) { (void)sig; still = 1; }
static void start_motion(int sig) { (void)sig; still = 0; }

static uint32_t marker_colour(int on) { return on ? 0x0000ff : 0xff0000; }

static double wall_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void fill(XImage *img, int x0, int y0, int w, int h, uint32_t colour) {
  for (int y = y0; y < y0 + h; y++) {
    uint32_t *row = (uint32_t *)(img->data + y * img->bytes_per_line);
    for (int x = x0; x < x0 + w; x++) row[x] = colour;
  }
}

/* Frame n: the moving gradient, the Gray-coded frame number, the key marker as it stands. */
static void draw(XImage *img, unsigned n, int marker) {
  unsigned shift = n * STEP;
  for (int y = 0; y < img->height; y++) {
    uint32_t *row = (uint32_t *)(img->data + y * img->bytes_per_line);
    for (int x = 0; x < img->width; x++) {
      unsigned d = (unsigned)(x + y) + shift;
      unsigned r = d & 255, g = (d * 2 + 85) & 255, b = (512 - (d & 511)) & 255;
      row[x] = (r << 16) | (g << 8) | b;
    }
  }
  unsigned gray = n ^ (n >> 1);
  for (int bit = 0; bit < FRAME_BITS; bit++)
    fill(img, bit * BIT_SIZE, 0, BIT_SIZE, BIT_SIZE, (gray >> (FRAME_BITS - 1 - bit)) & 1 ? 0xffffff : 0x000000);
  fill(img, MARKER_X, MARKER_Y, MARKER_SIZE, MARKER_SIZE, marker_colour(marker));
}

int main(int argc, char **argv) {
  double fps = argc > 1 ? atof(argv[1]) : 60;
  if (fps <= 0) fps = 60;
  Display *dpy = XOpenDisplay(NULL);
  if (!dpy) {
    fprintf(stderr, "testpattern: cannot open display %s\n", getenv("DISPLAY") ? getenv("DISPLAY") : "(unset)");
    return 1;
  }
  int screen = DefaultScreen(dpy);
  int width = DisplayWidth(dpy, screen), height = DisplayHeight(dpy, screen);
  Visual *visual = DefaultVisual(dpy, screen);
  int depth = DefaultDepth(dpy, screen);
  if (depth != 24 && depth != 32) {
    fprintf(stderr, "testpattern: needs a 24-bit TrueColor screen, not depth %d\n", depth);
    return 1;
  }
  XSetWindowAttributes attrs = {0};
  attrs.override_redirect = True; /* no window manager in the way: the whole screen, no frame */
  attrs.background_pixel = 0;
  attrs.event_mask = KeyPressMask | ExposureMask;
  Window win = XCreateWindow(dpy, RootWindow(dpy, screen), 0, 0, width, height, 0, depth, InputOutput, visual,
                             CWOverrideRedirect | CWBackPixel | CWEventMask, &attrs);
  XStoreName(dpy, win, "kubevdi test pattern");
  /*
   * No auto-repeat on this desktop: a key press whose release comes late (a busy browser sends it
   * late) would otherwise turn into several presses, and the marker would flip back.
   */
  XAutoRepeatOff(dpy);
  XMapRaised(dpy, win);
  GC gc = XCreateGC(dpy, win, 0, NULL);
  XSync(dpy, False);
  /* The grab fails while the window is not viewable yet: try for up to 5 s. */
  int grabbed = GrabNotViewable;
  for (int i = 0; i < 500 && grabbed != GrabSuccess; i++) {
    grabbed = XGrabKeyboard(dpy, win, True, GrabModeAsync, GrabModeAsync, CurrentTime);
    if (grabbed != GrabSuccess) nanosleep(&(struct timespec){0, 10000000}, NULL);
  }
  if (grabbed != GrabSuccess) {
    fprintf(stderr, "testpattern: could not grab the keyboard (%d)\n", grabbed);
    return 1;
  }

  XShmSegmentInfo shm = {0};
  XImage *img = NULL;
  int use_shm = XShmQueryExtension(dpy);
  if (use_shm) {
    img = XShmCreateImage(dpy, visual, depth, ZPixmap, NULL, &shm, width, height);
    shm.shmid = shmget(IPC_PRIVATE, img->bytes_per_line * img->height, IPC_CREAT | 0600);
    shm.shmaddr = img->data = shmat(shm.shmid, NULL, 0);
    shm.readOnly = False;
    XShmAttach(dpy, &shm);
    XSync(dpy, False);
    shmctl(shm.shmid, IPC_RMID, NULL); /* gone once both ends detach, even if we are killed */
  } else {
    char *data = malloc((size_t)width * height * 4);
    img = XCreateImage(dpy, visual, depth, ZPixmap, 0, data, width, height, 32, 0);
  }
  struct sigaction sa = {0};
  sa.sa_handler = stop_motion;
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = start_motion;
  sigaction(SIGUSR2, &sa, NULL);

  printf("ready %dx%d %s\n", width, height, use_shm ? "shm" : "socket");
  fflush(stdout);

  unsigned n = 0;
  int marker = 0;
  double period = 1.0 / fps, next = now(), second = next + 1;
  int drawn = 0, fd = ConnectionNumber(dpy);
  for (;;) {
    while (XPending(dpy)) {
      XEvent ev;
      XNextEvent(dpy, &ev);
      if (ev.type != KeyPress) continue;
      double arrived = wall_ms();
      /* At once, not at the next frame: the latency measured is the remote display's, not ours. */
      marker = !marker;
      fill(img, MARKER_X, MARKER_Y, MARKER_SIZE, MARKER_SIZE, marker_colour(marker));
      if (use_shm)
        XShmPutImage(dpy, win, gc, img, MARKER_X, MARKER_Y, MARKER_X, MARKER_Y, MARKER_SIZE, MARKER_SIZE, False);
      else
        XPutImage(dpy, win, gc, img, MARKER_X, MARKER_Y, MARKER_X, MARKER_Y, MARKER_SIZE, MARKER_SIZE);
      XFlush(dpy);
      printf("key %.3f\n", arrived);
      fflush(stdout);
    }
    double t = now();
    if (t < next) {
      /* Until the next frame is due or an event comes, whichever is first. */
      double wait = next - t;
      struct timeval tv = {(time_t)wait, (suseconds_t)((wait - (time_t)wait) * 1e6)};
      fd_set fds;
      FD_ZERO(&fds);
      FD_SET(fd, &fds);
      if (select(fd + 1, &fds, NULL, NULL, &tv) < 0 && errno != EINTR) return 1;
      continue;
    }
    if (!still) {
      draw(img, n++, marker);
      if (use_shm)
        XShmPutImage(dpy, win, gc, img, 0, 0, 0, 0, width, height, False);
      else
        XPutImage(dpy, win, gc, img, 0, 0, 0, 0, width, height);
      XSync(dpy, False); /* drawn by the server, not just queued: the pace is the desktop's */
      drawn++;
    }
    t = now();
    if (t >= second) {
      printf("fps %d\n", drawn);
      fflush(stdout);
      drawn = 0;
      second += 1;
      if (second < t) second = t + 1;
    }
    next += period;
    if (next < t) next = t; /* behind: draw the next frame now rather than catch up in a burst */
  }
}
