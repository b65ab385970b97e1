// React's scheduler (in the tree through Ink's reconciler, and declared so the bundle shares its one copy) has
// no type package here.
declare module 'scheduler' {
  export const unstable_NormalPriority: number;
  export function unstable_scheduleCallback(priority: number, callback: () => void): unknown;
}
