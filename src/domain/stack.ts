/** The words every day shares: what a stack is, which tool drives it, which environment it lives in. */
export const TOOLS = ['opentofu', 'terraform', 'ansible', 'custom'] as const;
export type Tool = (typeof TOOLS)[number];

export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** A stack as registered in the database. */
export interface Stack {
  id: number;
  name: string;
  /** Absolute path of the stack's folder (infrastructure code plus dayops.yaml). */
  dir: string;
  tool: Tool;
  environment: Environment;
  createdAt: number;
  updatedAt: number;
}

/** Stack names are used in file names, labels and confirms: lowercase letters, digits and dashes. */
export const STACK_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
