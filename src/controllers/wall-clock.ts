// The wall clock lives in src/api (wall-clock.ts) since the Admin Portal draws a pool's schedule
// with it too, and the portal may not import the controllers. Kept here so the controllers'
// imports hold.
export * from '../api/wall-clock.js';
