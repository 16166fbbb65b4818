// What every Admin Portal view gets: what the person may do where, and how to speak to them.
import type { AdminAccess, NamespaceAccess } from '../../admin/types.js';
import { describeFailure } from '../api.js';

export interface AdminContext {
  access: AdminAccess;
  /** The person's rights in a namespace; undefined where they administer nothing. */
  in(namespace: string): NamespaceAccess | undefined;
  /** Announces a change to screen readers. */
  say(message: string): void;
  /** Shows (or, with undefined, hides) a problem in plain words. */
  notice(message: string | undefined): void;
}

export interface View {
  /** Draws the view into `root`, and again whenever `refresh` is called. */
  render(root: HTMLElement): Promise<void>;
  /** The view's heading, for the document title. */
  title: string;
  /** Where focus goes once it is drawn; its h1 when absent. */
  focus?(): void;
}

/**
 * Runs an action a button asked for: the button is off while it runs; then the change is
 * announced and the view read again, or the refusal shown in plain words.
 */
export async function runAction(
  context: AdminContext,
  button: HTMLButtonElement,
  action: { doing: string; run: () => Promise<unknown>; done: string; refresh: () => void },
): Promise<void> {
  button.disabled = true;
  try {
    await action.run();
    context.notice(undefined);
    context.say(action.done);
    action.refresh();
  } catch (err) {
    context.notice(describeFailure(err, action.doing));
  } finally {
    button.disabled = false;
  }
}
