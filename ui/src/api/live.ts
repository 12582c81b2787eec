// How often pages poll. Something still running: every LIVE_MS; nothing running: every IDLE_MS.
// React Query stops polling while the tab is hidden, so a tab left open costs the server little.
export const LIVE_MS = 1500;
export const IDLE_MS = 15000;

export const pollEvery = (active: boolean): number => (active ? LIVE_MS : IDLE_MS);
