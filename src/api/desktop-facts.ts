// What a desktop (a kubevdi VirtualMachine) says about itself, read in one place: who holds it,
// which claim it is bound to, which template revision it runs, whether it runs and is ready, and
// whether it is being reset or deleted. The pool, claim and template controllers and the Admin
// Portal all read these facts; before, each read the labels, annotations and status on its own.
// Here in src/api because it reads the wire contract (labels.ts, annotations.ts) and the portal,
// which must not import the controllers, reads it too.
import { CLAIM_ANNOTATION, CLAIM_UID_ANNOTATION, HOLDER_ANNOTATION, RESET_ANNOTATION } from './annotations.js';
import { LABELS } from './labels.js';

/** The parts of a VirtualMachine the facts come from (KubeVirt's type and the portal's both fit). */
export interface DesktopObject {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: Date | string;
  };
  spec?: { runStrategy?: string };
  status?: { printableStatus?: string; ready?: boolean };
}

export interface DesktopFacts {
  name: string;
  /** KubeVirt's printableStatus (Running, Stopped, Starting...), when it has written one. */
  state: string | undefined;
  /** The user who holds it (a Manual pool's desktop keeps its holder after the claim ends). */
  holder: string | undefined;
  /** The claim it is bound to now, by name (for people) and uid (for decisions). */
  claim: string | undefined;
  claimUid: string | undefined;
  /** The template revision it was rendered from; undefined when the label is missing or not a number. */
  revision: number | undefined;
  /** Its runStrategy asks for it to run. */
  running: boolean;
  /** Its runStrategy asks for it to be stopped. */
  halted: boolean;
  /** KubeVirt says it is running and ready. */
  ready: boolean;
  /** A reset to fresh disks was asked for and is not done yet. */
  resetting: boolean;
  /** Being deleted (deletionTimestamp set). */
  deleting: boolean;
}

export function desktopFacts(vm: DesktopObject): DesktopFacts {
  const annotations = vm.metadata?.annotations ?? {};
  return {
    name: vm.metadata?.name as string,
    state: vm.status?.printableStatus,
    holder: annotations[HOLDER_ANNOTATION],
    claim: annotations[CLAIM_ANNOTATION],
    claimUid: annotations[CLAIM_UID_ANNOTATION],
    revision: Number(vm.metadata?.labels?.[LABELS.templateRevision]) || undefined,
    running: vm.spec?.runStrategy === 'Always',
    halted: vm.spec?.runStrategy === 'Halted',
    ready: vm.status?.ready === true,
    resetting: Boolean(annotations[RESET_ANNOTATION]),
    deleting: Boolean(vm.metadata?.deletionTimestamp),
  };
}
