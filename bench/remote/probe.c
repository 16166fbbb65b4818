/*
 * The remote-desktop benchmark's eye and finger on a native client (bench/remote/native.ts): it
 * watches the X display a native RDP client (xfreerdp) draws the desktop on, where the test pattern
 * (testpattern.c) shows at the top-left corner, and reads back what the browser's sampler reads:
 *
 *   probe count SECONDS   polls the frame-number squares as fast as the X server answers and
 *                         prints `shown N polls P seconds S`: the distinct frame numbers seen
 *   probe key             sends a key press to the client's window (the topmost on the display;
 *                         XSendEvent: the client reads it like any key) and waits for the marker square to change; prints
 *                         `key T` (when it was sent) and `pixel T` (when the display showed the
 *                         change), wall-clock ms since the epoch, as testpattern.c prints its own
 *
 *   probe marker          prints `marker 0` (red) or `marker 1` (blue)
 *
 * Polling is XGetImage of a few pixels of the root window (the client's window sits at 0,0 of a
 * display of its own, without a window manager). Keep the pattern's numbers in step with
 * testpattern.c and pattern.ts.
 *
 *   cc -O2 -o probe probe.c -lX11
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FRAME_BITS 16
#define BIT_SIZE 16
#define MARKER_X 0
#define MARKER_Y 32
#define MARKER_SIZE 64

static double wall_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void nap_us(long us) {
  struct timespec t = {0, us * 1000};
  nanosleep(&t, NULL);
}

static unsigned long pixel(XImage *img, int x, int y) { return XGetPixel(img, x, y); }

/* The frame number the squares show (Gray code back to binary). */
static unsigned frame_of(Display *dpy, Window root) {
  XImage *img = XGetImage(dpy, root, 0, 0, FRAME_BITS * BIT_SIZE, BIT_SIZE, AllPlanes, ZPixmap);
  if (!img) return 0;
  unsigned gray = 0;
  for (int bit = 0; bit < FRAME_BITS; bit++) {
    unsigned long p = pixel(img, bit * BIT_SIZE + BIT_SIZE / 2, BIT_SIZE / 2);
    unsigned sum = ((p >> 16) & 255) + ((p >> 8) & 255) + (p & 255);
    gray = (gray << 1) | (sum > 384 ? 1 : 0);
  }
  XDestroyImage(img);
  unsigned n = gray;
  for (unsigned g = gray >> 1; g; g >>= 1) n ^= g;
  return n;
}

/* 1 when the marker is blue, 0 when red. */
static int marker_of(Display *dpy, Window root) {
  XImage *img = XGetImage(dpy, root, MARKER_X + MARKER_SIZE / 2, MARKER_Y + MARKER_SIZE / 2, 1, 1, AllPlanes, ZPixmap);
  if (!img) return -1;
  unsigned long p = pixel(img, 0, 0);
  XDestroyImage(img);
  return (p & 255) > ((p >> 16) & 255) ? 1 : 0;
}

/* The client's window: the topmost viewable child of the root that is desktop-sized. */
static Window client_window(Display *dpy, Window root) {
  Window parent, *children = NULL, found = None;
  unsigned count = 0;
  if (!XQueryTree(dpy, root, &root, &parent, &children, &count)) return None;
  for (unsigned i = 0; i < count; i++) {
    XWindowAttributes a;
    if (XGetWindowAttributes(dpy, children[i], &a) && a.map_state == IsViewable && a.width >= 640) found = children[i];
  }
  if (children) XFree(children);
  return found;
}

static void send_key(Display *dpy, Window win, int press) {
  XKeyEvent ev;
  memset(&ev, 0, sizeof ev);
  ev.type = press ? KeyPress : KeyRelease;
  ev.display = dpy;
  ev.window = win;
  ev.root = DefaultRootWindow(dpy);
  ev.subwindow = None;
  ev.time = CurrentTime;
  ev.same_screen = True;
  ev.keycode = XKeysymToKeycode(dpy, XK_a);
  XSendEvent(dpy, win, True, press ? KeyPressMask : KeyReleaseMask, (XEvent *)&ev);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: probe count SECONDS | probe key - | probe marker -\n");
    return 2;
  }
  Display *dpy = XOpenDisplay(NULL);
  if (!dpy) {
    fprintf(stderr, "probe: cannot open display\n");
    return 1;
  }
  Window root = DefaultRootWindow(dpy);
  if (strcmp(argv[1], "count") == 0) {
    double seconds = atof(argv[2]), start = wall_ms(), end = start + seconds * 1000;
    unsigned last = frame_of(dpy, root), shown = 0;
    long polls = 0;
    while (wall_ms() < end) {
      unsigned n = frame_of(dpy, root);
      polls++;
      /* As the browser's sampler: only forward steps of a sane size count. */
      if (n != last && n > last && n - last < 1000) {
        shown++;
        last = n;
      } else if (n != last && shown == 0) {
        last = n;
      }
      nap_us(500);
    }
    printf("shown %u polls %ld seconds %.3f\n", shown, polls, (wall_ms() - start) / 1000);
    return 0;
  }
  if (strcmp(argv[1], "marker") == 0) {
    printf("marker %d\n", marker_of(dpy, root));
    return 0;
  }
  if (strcmp(argv[1], "key") == 0) {
    Window win = client_window(dpy, root);
    if (win == None) {
      fprintf(stderr, "probe: no client window on the display\n");
      return 1;
    }
    int before = marker_of(dpy, root);
    double sent = wall_ms();
    send_key(dpy, win, 1);
    send_key(dpy, win, 0);
    XFlush(dpy);
    double deadline = sent + 30000;
    while (wall_ms() < deadline) {
      if (marker_of(dpy, root) != before) {
        printf("key %.3f\npixel %.3f\n", sent, wall_ms());
        return 0;
      }
      nap_us(200);
    }
    /* Not shown in time: said so, not failed (the benchmark counts it as late). */
    printf("key %.3f\nlate\n", sent);
    return 0;
  }
  fprintf(stderr, "probe: unknown command %s\n", argv[1]);
  return 2;
}
