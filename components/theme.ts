/**
 * Semantic colours. Components say `theme.status.error`, never `red`, so that NO_COLOR (https://no-color.org)
 * and a future theme are one switch. With NO_COLOR every colour is undefined: Ink then prints plain text, and
 * state stays readable because every status also has a word or a symbol.
 */
export interface Theme {
  color: boolean;
  text: { primary?: string; secondary?: string; accent?: string; inverse?: string };
  status: { ok?: string; warning?: string; error?: string; info?: string; running?: string; muted?: string };
  border?: string;
  focusBorder?: string;
}

const colored: Theme = {
  color: true,
  text: { primary: undefined, secondary: 'gray', accent: 'cyan', inverse: 'black' },
  status: { ok: 'green', warning: 'yellow', error: 'red', info: 'blue', running: 'cyan', muted: 'gray' },
  border: 'gray',
  focusBorder: 'cyan',
};

const plain: Theme = { color: false, text: {}, status: {} };

export function makeTheme(env: NodeJS.ProcessEnv = process.env): Theme {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '' ? plain : colored;
}

export let theme: Theme = makeTheme();

/** For tests and for the app's start-up, after the environment is known. */
export function setTheme(t: Theme): void {
  theme = t;
}
