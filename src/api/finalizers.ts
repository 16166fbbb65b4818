// Finalizers kubevdi puts on objects: what must happen before the API server lets them go.

/** On every DesktopClaim: its desktop is given back (and its grant removed) before it goes. */
export const RELEASE_FINALIZER = 'kubevdi.io/release-desktop';
