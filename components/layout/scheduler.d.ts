// React's scheduler (already in the tree through Ink's reconciler) has no type package of its own here.
declare module 'scheduler' {
  export const unstable_NormalPriority: number;
  export function unstable_scheduleCallback(priority: number, callback: () => void): unknown;
}
