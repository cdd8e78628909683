import { decodeRoutedBuffer, messageIdOfFrame, type RoutedBuffer } from '../store/index.js';
import { textFrame } from './wire-frame.js';

type RoutedFrame = Extract<RoutedBuffer, { kind: 'frame' }>;
interface Built {
  wire: Buffer;
  messageId: string | undefined;
}

/**
 * The last chat frame the router decoded, and its WebSocket frame. With inbox routing one
 * message reaches a gateway once per member it holds (each on `inbox:<member>`), byte for byte
 * the same and back to back, so it is decoded and framed once for all of them, not once per
 * member: the gateway's CPU per delivered frame is what this saves.
 *
 * The payload is kept as a copy: the Redis client may hand out views into a buffer it reuses.
 */
export class FrameMemo {
  #payload: Buffer | undefined;
  #routed: RoutedFrame | undefined;
  #built: Built | undefined;

  /** decodeRoutedBuffer, answered from memory when the payload is the last frame's bytes. */
  decode(payload: Buffer): RoutedBuffer | undefined {
    if (this.#routed && this.#payload!.equals(payload)) return this.#routed;
    const copy = Buffer.from(payload);
    const routed = decodeRoutedBuffer(copy);
    if (routed?.kind === 'frame') {
      this.#payload = copy;
      this.#routed = routed;
      this.#built = undefined;
    }
    return routed;
  }

  /** The WebSocket frame of a routed frame (and its messageId), built once for the last one. */
  wire(routed: RoutedFrame): Built {
    if (routed === this.#routed && this.#built) return this.#built;
    const built = { wire: textFrame(routed.frame), messageId: messageIdOfFrame(routed.frame) };
    if (routed === this.#routed) this.#built = built;
    return built;
  }
}
