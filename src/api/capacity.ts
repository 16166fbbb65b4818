// A pool's capacity that follows the clock: how many idle desktops are kept warm (powered on and
// ready) in which windows of the week, in a time zone, and how many outside them. Named after what
// the commercial anchors call the same things: schedules by days of the week (Azure Virtual
// Desktop's scaling plans), peak and off-peak and a power-off delay (Citrix Autoscale), a
// time-to-live for warm instances nobody claimed (Coder's prebuilds). The operator resolves it in
// src/api/capacity-schedule.ts; this file says only what may be written.
import { z } from 'zod';
import { cel } from './meta.js';

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
// maxLength, although the enum bounds it: the API server's CEL cost estimate looks only at maxLength.
export const Weekday = z.enum(WEEKDAYS).meta({ maxLength: 9 });
export type Weekday = z.infer<typeof Weekday>;

/** Windows per pool: a different window for every day of the week, four times over, is plenty. */
export const MAX_WINDOWS = 28;
/** A power-off delay longer than a day would reach past the windows the operator looks at. */
export const MAX_POWER_OFF_DELAY_MINUTES = 24 * 60;

// HH:MM on a 24-hour clock. `to` may also be 24:00, the end of the day.
const HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
const HHMM_OR_END = '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

/**
 * A plausible IANA time zone name: letters first, then at most two more parts after slashes
 * (America/Argentina/Buenos_Aires), made of letters, digits, '_', '+' and '-'. The API server
 * cannot know the time zone database; the operator checks the name against its own and says so
 * in the pool's conditions when it does not know it.
 */
export const TIME_ZONE_PATTERN = '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$';

const wallTime = (which: 'from' | 'to', description: string) =>
  cel(z.string().max(5).describe(description), {
    rule: `self.matches('${which === 'from' ? HHMM : HHMM_OR_END}')`,
    message:
      which === 'from'
        ? 'from must be a time of day as HH:MM on a 24-hour clock, from 00:00 to 23:59 (e.g. 08:00)'
        : 'to must be a time of day as HH:MM on a 24-hour clock, from 00:01 to 24:00 (e.g. 18:00; 24:00 is the end of the day)',
  });

const PERCENT = '^(100|[1-9]?[0-9])%$';

export const CapacityWindow = cel(
  z
    .object({
      name: z
        .string()
        .min(1)
        .max(63)
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
        .describe(
          'Name of the window (lower case letters, digits and "-"), shown in the pool\'s status while it holds, e.g. office-hours.',
        ),
      days: z
        .array(Weekday)
        .min(1)
        .max(7)
        .meta({ 'x-kubernetes-list-type': 'set' })
        .describe('Days of the week the window holds on, by the time zone of the schedule: Monday ... Sunday.'),
      from: wallTime(
        'from',
        'Local time the window opens, HH:MM. On the day clocks go forward, a time the clock skips opens the window when the clock jumps; on the day they go back, a time the clock shows twice counts the first time.',
      ),
      to: wallTime(
        'to',
        'Local time the window closes, HH:MM, later than from on the same day; 24:00 is midnight at the end of the day. A window over midnight is two windows: one to 24:00 and one from 00:00 on the next day.',
      ),
      warm: z
        .union([z.int().min(0), z.string().max(4)])
        .describe(
          'Idle desktops kept powered on and ready in this window: a number, or a percentage ("20%") of the most desktops held at once over the last seven days (rounded up, then kept between minWarm and maxWarm). Never more than the pool\'s free desktops.',
        ),
      minWarm: z
        .int()
        .min(0)
        .optional()
        .describe('With a percentage: keep at least this many warm, however quiet the last week was.'),
      maxWarm: z
        .int()
        .min(0)
        .optional()
        .describe('With a percentage: keep at most this many warm, however busy the last week was.'),
    })
    .describe('A window of the week and the warm desktops it wants.'),
  {
    rule: `type(self.warm) == int || string(self.warm).matches('${PERCENT}')`,
    message: 'warm must be a number of desktops (10) or a percentage from 0% to 100% ("20%")',
    fieldPath: '.warm',
  },
  {
    // Lexical order is time order for HH:MM; a malformed time is reported by its own rule alone.
    rule: `!self.from.matches('${HHMM}') || !self.to.matches('${HHMM_OR_END}') || self.from < self.to`,
    message:
      'from must be before to: a window lies within one day (e.g. 08:00 to 18:00); for one over midnight write two, one to 24:00 and one from 00:00',
    fieldPath: '.to',
  },
  {
    rule: `(!has(self.minWarm) && !has(self.maxWarm)) || (type(self.warm) == string)`,
    message: 'minWarm and maxWarm bound a percentage; with a number of desktops, warm is that number',
    fieldPath: '.warm',
  },
  {
    rule: '!has(self.minWarm) || !has(self.maxWarm) || self.minWarm <= self.maxWarm',
    message: 'minWarm cannot be larger than maxWarm',
    fieldPath: '.minWarm',
  },
);
export type CapacityWindow = z.infer<typeof CapacityWindow>;

/** Two windows overlap when they share a day and each opens before the other closes. */
const OVERLAP = (a: string, b: string) =>
  `${a}.name != ${b}.name && ${a}.days.exists(d, d in ${b}.days) && ${a}.from < ${b}.to && ${b}.from < ${a}.to`;

/**
 * What happens to held desktops after the windows close: Azure Virtual Desktop's ramp-down, which
 * warns users and then logs off their sessions so the hosts can be powered off. Here the desktop's
 * holder sees the countdown the portal shows for every session policy (with "I'm still working").
 */
export const RampDown = z
  .object({
    idleMinutes: z
      .int()
      .min(1)
      .max(MAX_POWER_OFF_DELAY_MINUTES)
      .describe(
        'Once no window holds, a held desktop nobody uses is powered off (or released) this long after the window closed, or after its last use if that is later. Use means someone logged on to it, a console open through the portal, or "I\'m still working".',
      ),
    action: z
      .enum(['PowerOff', 'Release'])
      .default('PowerOff')
      .describe(
        "PowerOff: the desktop stays its holder's, powered off (programs are closed). Release: it goes back to the pool (a Stateless one is reset).",
      ),
    evenIfLoggedOn: z
      .boolean()
      .default(false)
      .describe(
        'Also a desktop someone is logged on to, when nobody has used it through the portal (console or "I\'m still working") for idleMinutes: Azure Virtual Desktop\'s forced logoff. Unsaved work on it is lost; its holder sees the countdown first. False: only desktops nobody is logged on to (as the guest agent says).',
      ),
  })
  .describe(
    'Held desktops nobody uses once the windows close are powered off or released after idleMinutes, with a countdown for their holders. Free desktops follow powerOffDelayMinutes instead.',
  );
export type RampDown = z.infer<typeof RampDown>;

export const Capacity = cel(
  z
    .object({
      timeZone: cel(
        z
          .string()
          .min(1)
          .max(64)
          .describe(
            'IANA time zone the windows are in, e.g. Europe/Berlin, America/New_York or UTC. Windows follow its wall clock across daylight-saving changes.',
          ),
        {
          rule: `self.matches('${TIME_ZONE_PATTERN}')`,
          message:
            'timeZone must be an IANA time zone name such as Europe/Berlin, America/New_York or UTC (not an offset like +01:00)',
        },
      ),
      schedules: z
        .array(CapacityWindow)
        .max(MAX_WINDOWS)
        .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
        .prefault([])
        .describe('Windows of the week with their warm desktops. Windows on the same day must not overlap.'),
      offPeakWarm: z
        .int()
        .min(0)
        .default(0)
        .describe('Idle desktops kept warm outside every window (nights, weekends); 0 powers them all off.'),
      powerOffDelayMinutes: z
        .int()
        .min(0)
        .max(MAX_POWER_OFF_DELAY_MINUTES)
        .default(30)
        .describe(
          'When the warm count goes down (a window closes, or the next one wants fewer), surplus idle desktops keep running this long before they are powered off, for those who come late. Desktops users hold are never powered off by the schedule.',
        ),
      warmTimeToLiveMinutes: z
        .int()
        .min(10)
        .max(7 * 24 * 60)
        .optional()
        .describe(
          'A warm desktop nobody has claimed for this long is replaced by a fresh one (deleted and created again from the template, at most updateStrategy.maxUnavailable at a time), so what people get has not been running for days. Stateless pools only; never when empty.',
        ),
      rampDown: RampDown.optional(),
    })
    .describe(
      'Warm desktops that follow the clock: windows of the week with their own warm count, the count outside them, and how surplus desktops are powered off. Instead of prestarted, which keeps one count day and night.',
    ),
  {
    rule: `self.schedules.all(a, !self.schedules.exists(b, ${OVERLAP('a', 'b')}))`,
    // Names the first window that overlaps another, and that other. Written with map(x, p, t)
    // (a filter and a map in one): the API server's cost estimate refuses filter() in a message,
    // and a list of every pair joined into one string.
    messageExpression: `self.schedules.map(a, self.schedules.exists(b, ${OVERLAP('a', 'b')}), 'windows ' + a.name + ' and ' + self.schedules.map(b, ${OVERLAP('a', 'b')}, b.name)[0])[0] + ' overlap on a day they share: on one day, a window must close at or before the next opens'`,
    fieldPath: '.schedules',
  },
);
export type Capacity = z.infer<typeof Capacity>;

/** What the capacity of a pool is doing now: Fixed (prestarted, no schedule), or where in its week it is. */
export const CapacityPhase = z.enum(['Fixed', 'InWindow', 'RampDown', 'OffPeak']);
export type CapacityPhase = z.infer<typeof CapacityPhase>;

/** The most desktops held at once on one day (by the schedule's time zone). */
export const DailyPeak = z
  .object({
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .describe('The local date, YYYY-MM-DD.'),
    held: z.int().min(0).describe('The most desktops held at once that day.'),
  })
  .describe('The most desktops held at once on one day.');
export type DailyPeak = z.infer<typeof DailyPeak>;

export const CapacityStatus = z
  .object({
    phase: CapacityPhase.describe(
      'Fixed: no schedule, prestarted desktops are kept warm. InWindow: a window holds. RampDown: the warm count went down and surplus desktops wait out the power-off delay. OffPeak: outside every window.',
    ),
    window: z
      .string()
      .optional()
      .describe('The window that holds (InWindow), or the one whose surplus is waiting to be powered off (RampDown).'),
    warmTarget: z.int().min(0).describe('Idle desktops the pool keeps warm now.'),
    nextChange: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("When the warm target or phase changes next, in the schedule's time zone."),
    nextWarmTarget: z.int().min(0).optional().describe('The warm target from nextChange on.'),
    heldPeak: z
      .int()
      .min(0)
      .optional()
      .describe('The most desktops held at once over the last seven days: what percentages are of.'),
    dailyPeaks: z
      .array(DailyPeak)
      .max(8)
      .optional()
      .describe('The most desktops held at once on each of the last days, newest last.'),
  })
  .describe('The warm desktops the pool keeps now and when that changes.');
export type CapacityStatus = z.infer<typeof CapacityStatus>;
