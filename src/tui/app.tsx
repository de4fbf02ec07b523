import { useInput, useStdout } from 'ink';
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { TuiController } from './controller.js';
import { keyName, resolveKey } from './keymap.js';
import type { TuiStore } from './store.js';
import type { Theme } from './theme.js';
import { Screen } from './views/screen.js';

export interface AppProps {
  store: TuiStore;
  controller: Pick<TuiController, 'perform'>;
  mode: 'foreground' | 'attach';
  theme: Theme;
  /** Fixed size (tests); else the terminal's, following resizes. */
  size?: { columns: number; rows: number };
}

/** Connects the store and the keys to the pure Screen; holds no state of its own but the terminal size. */
export function App({ store, controller, mode, theme, size }: AppProps) {
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const terminal = useTerminalSize();
  const { columns, rows } = size ?? terminal;
  useInput((input, key) => {
    const name = keyName(input, key);
    const chars = [...input];
    if (name !== input || chars.length < 2) {
      const action = resolveKey(name, input, store.getSnapshot().ui);
      if (action) controller.perform(action);
      return;
    }
    // Keys typed faster than they are read arrive together (`jl`): each counts, and once a key opens
    // the invoke prompt, the rest is its text.
    for (let i = 0; i < chars.length; i++) {
      const ui = store.getSnapshot().ui;
      const action = ui.prompt ? resolveKey(chars.slice(i).join(''), chars.slice(i).join(''), ui) : resolveKey(chars[i]!, chars[i]!, ui);
      if (action) controller.perform(action);
      if (ui.prompt) break;
    }
  });
  return <Screen snapshot={snapshot} width={Math.max(20, columns)} height={Math.max(6, rows - 1)} mode={mode} theme={theme} />;
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
