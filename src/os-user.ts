import { userInfo } from 'node:os';

/** The OS user who is acting, for `triggered_by`, approvals and the audit log. */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER || process.env.LOGNAME || `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}
