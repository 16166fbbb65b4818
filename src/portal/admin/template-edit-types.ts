// The Admin Portal's template editor API (browser ↔ portal): the template as YAML to edit, and the
// API server's verdict on an edit. Imported by the browser, so it depends on zod alone. The rules
// of a template live in its CRD's schema and CEL; the API server judges every edit (a server-side
// dry run), this only carries its words.
import * as z from 'zod';
import { FieldCause, GitOpsManager } from './pool-edit-types.js';

/** GET /api/admin/templates/:namespace/:name/source: the template as Git holds it, and who keeps it. */
export const TemplateSource = z.object({ yaml: z.string(), gitops: z.array(GitOpsManager) });
export type TemplateSource = z.infer<typeof TemplateSource>;

/** POST /api/admin/templates/:namespace: check (dry run) or write a new or changed template. */
export const TemplateRequest = z
  .object({
    /** The template being edited; absent for a new one, named by its YAML (refused if the name is taken). */
    name: z.string().max(253).optional(),
    dryRun: z.boolean(),
    /** The person saw that GitOps keeps the template and writes anyway. */
    overrideGitOps: z.boolean().optional(),
    yaml: z.string().max(256 * 1024),
  })
  .strict();
export type TemplateRequest = z.infer<typeof TemplateRequest>;

/** The answer: the API server's causes (`field` is its path, e.g. spec.resources.memory), who keeps it. */
export const TemplateCheck = z.object({
  valid: z.boolean(),
  written: z.boolean(),
  /** The template's name (a new one's, from its YAML) once the YAML could be read. */
  name: z.string().optional(),
  causes: z.array(FieldCause),
  gitops: z.array(GitOpsManager),
});
export type TemplateCheck = z.infer<typeof TemplateCheck>;
