import { Box } from 'ink';
import type { Snapshot } from '../store.js';
import type { Theme } from '../theme.js';
import { selectedKey } from '../ui-state.js';
import { AnswerPane } from './answer-pane.js';
import { bannerLines, ErrorBanner } from './error-banner.js';
import { EventsPane } from './events-pane.js';
import { Footer } from './footer.js';
import { FunctionsTable } from './functions-table.js';
import { Header } from './header.js';
import { HelpPane } from './help-pane.js';
import { LogsPane } from './logs-pane.js';

export interface ScreenProps {
  snapshot: Snapshot;
  width: number;
  /** Lines to fill (one less than the terminal's rows, so the terminal never scrolls). */
  height: number;
  mode: 'foreground' | 'attach';
  theme: Theme;
}

/** Heights of the parts for a terminal of `height` lines: the table gets up to ~40%, the pane the rest. */
export function layout(height: number, functions: number, bannerHeight: number): { table: number; pane: number } {
  const fixed = 2 + bannerHeight + 1; // header, banner, footer
  const rest = Math.max(0, height - fixed);
  const table = Math.min(functions + 1, Math.max(2, Math.floor(rest * 0.4)));
  return { table: Math.min(table, rest), pane: Math.max(0, rest - table) };
}

/** The whole frame: header, error banner, functions table, one pane (events, logs, an answer or help), footer. */
export function Screen({ snapshot, width, height, mode, theme }: ScreenProps) {
  const { project, ui, now, connection } = snapshot;
  const selected = selectedKey(ui, project.order);
  const banner = bannerLines(project, width).length;
  const { table, pane } = layout(height, project.order.length, banner);
  const fn = selected ? project.functions[selected] : undefined;
  return (
    <Box flexDirection="column" width={width}>
      <Header project={project} connection={connection} mode={mode} now={now} width={width} theme={theme} />
      <ErrorBanner project={project} width={width} theme={theme} />
      <FunctionsTable project={project} selected={selected} now={now} width={width} height={table} theme={theme} />
      {ui.help ? (
        <HelpPane mode={mode} width={width} height={pane} theme={theme} />
      ) : ui.pane === 'logs' ? (
        <LogsPane fn={fn} width={width} height={pane} theme={theme} />
      ) : ui.pane === 'answer' ? (
        <AnswerPane answer={ui.answer} width={width} height={pane} theme={theme} />
      ) : (
        <EventsPane project={project} width={width} height={pane} theme={theme} />
      )}
      <Footer ui={ui} mode={mode} now={now} width={width} theme={theme} />
    </Box>
  );
}
