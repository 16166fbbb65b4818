// The part of noVNC's RFB class (core/rfb.js, @novnc/novnc 1.7) the console page uses; noVNC ships
// no types and DefinitelyTyped's describe the old `lib/rfb` layout.
declare module '@novnc/novnc' {
  export interface RfbOptions {
    shared?: boolean;
    wsProtocols?: string[];
  }
  export default class RFB extends EventTarget {
    constructor(target: HTMLElement, urlOrChannel: string | WebSocket, options?: RfbOptions);
    scaleViewport: boolean;
    resizeSession: boolean;
    viewOnly: boolean;
    focusOnClick: boolean;
    background: string;
    disconnect(): void;
    sendCtrlAltDel(): void;
    /** Presses and releases the key when `down` is left out. */
    sendKey(keysym: number, code: string | null, down?: boolean): void;
    clipViewport: boolean;
    focus(): void;
  }
}
