// Growth on demand: a pool that creates desktops (and their disks) as people claim them, between a
// minimum and its size, and removes idle surplus again after a delay. After VMware Horizon's
// "provision machines on demand" (minimum, maximum, spare machines). Resolved in
// src/controllers/pool-growth.ts; this file says only what may be written.
import { z } from 'zod';

export const Growth = z
  .object({
    minSize: z
      .int()
      .min(0)
      .default(0)
      .describe('Desktops the pool keeps however few people use it. At most size, the most it grows to.'),
    spare: z
      .int()
      .min(0)
      .default(0)
      .describe(
        "Free desktops kept beyond those held and those claims are waiting for, with their disks made, so a logon need not wait for a disk. At least the warm count (prestarted or capacity's); those beyond it are halted.",
      ),
    removeAfterMinutes: z
      .int()
      .min(0)
      .max(7 * 24 * 60)
      .default(30)
      .describe(
        "Idle surplus is removed only after demand has stayed below it this long, and then at most updateStrategy.maxUnavailable at a time. Never a desktop someone holds; in a Persistent Automatic pool, never one at all (its free desktops may carry a former user's data).",
      ),
  })
  .describe(
    'Create desktops as they are claimed instead of all at once: size becomes the most the pool grows to, minSize the fewest it keeps.',
  );
export type Growth = z.infer<typeof Growth>;

export const GrowthStatus = z
  .object({
    targetSize: z
      .int()
      .min(0)
      .describe('Desktops the pool keeps now: held, waited for, spare and warm, within minSize and size.'),
    waitingClaims: z.int().min(0).optional().describe('Claims waiting for a desktop of this pool.'),
    surplusSince: z.iso
      .datetime()
      .optional()
      .describe('Since when demand has been below targetSize; the surplus goes removeAfterMinutes later.'),
  })
  .describe('How many desktops the pool keeps now, by demand.');
export type GrowthStatus = z.infer<typeof GrowthStatus>;
