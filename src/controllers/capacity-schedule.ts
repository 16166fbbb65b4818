// The capacity resolver lives in src/api (capacity-schedule.ts) since the Admin Portal draws a
// pool's warm target over the day with it too, and the portal may not import the controllers.
// Kept here so the controllers' imports hold.
export * from '../api/capacity-schedule.js';
