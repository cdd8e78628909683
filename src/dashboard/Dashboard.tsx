import { Box, Text, useInput, useStdin, useStdout } from 'ink';
import { useState, type ReactElement } from 'react';
import { fmtClock } from './format.js';
import {
  ColdPathPanel,
  ConnectionsPanel,
  HotPathPanel,
  LatencyPanel,
  MessagesPanel,
  PresencePanel,
  ProcessesPanel,
  ReceiptsPanel,
  ThresholdsPanel,
  TimelinePanel,
  type PanelProps,
} from './panels.js';
import type { DashboardState } from './state.js';

export interface DashboardProps {
  state: DashboardState;
  /** Columns to lay out for; defaults to the terminal's width. */
  width?: number;
  /** Called on `q` (or Ctrl-C, which raw mode swallows) — the owner decides what quitting stops. */
  onQuit?: () => void;
}

export function Header({ state, interactive }: { state: DashboardState; interactive: boolean }) {
  const h = state.header;
  const bits = [`up ${fmtClock(h.uptimeMs)}`, h.provider, `${h.gateways} gateway${h.gateways === 1 ? '' : 's'}`];
  if (h.scenario) bits.push(`run ${h.scenario}`);
  if (h.variant) bits.push(`variant ${h.variant}`);
  if (h.phase) bits.push(`phase ${h.phase.index}/${h.phase.total} ${h.phase.name}`);
  return (
    <Box justifyContent="space-between">
      <Box flexShrink={1}>
        <Text wrap="truncate">
          <Text bold color="cyan">
            chatlab
          </Text>
        {` · ${bits.join(' · ')}`}
        </Text>
      </Box>
      {interactive ? (
        <Box flexShrink={0}>
          <Text dimColor>  q quit  ? help</Text>
        </Box>
      ) : null}
    </Box>
  );
}

export function HelpOverlay({ width }: { width: number }) {
  return (
    <Box borderStyle="double" borderColor="cyan" flexDirection="column" paddingX={1} width={Math.min(width, 72)}>
      <Text bold color="cyan">
        Help
      </Text>
      <Text>q, Ctrl-C quit (chatlab up then stops the stack)</Text>
      <Text>? toggle this help · Esc close it</Text>
      <Text> </Text>
      <Text>Rates are per second over the last poll; sparklines cover about a minute.</Text>
      <Text>A red number with ✖ is one a scenario threshold is broken on, right now.</Text>
      <Text>Presence and Receipts show how many times fewer writes than events (the</Text>
      <Text>point of coalescing). Processes: CPU and RSS from /proc, conns from /metrics.</Text>
    </Box>
  );
}

type PanelFn = (p: PanelProps) => ReactElement;

/**
 * Rows of panels for a terminal width: the three-row layout of docs/dashboard-run-frame.txt when wide, two
 * panels a row when medium, one a row when narrow, so nothing wraps into a mess.
 */
export function layoutRows(width: number, hasThresholds: boolean): PanelFn[][] {
  const all: PanelFn[] = [ConnectionsPanel, MessagesPanel, LatencyPanel, HotPathPanel, ColdPathPanel, PresencePanel, ReceiptsPanel, ProcessesPanel, TimelinePanel];
  const rows: PanelFn[][] =
    width >= 120
      ? [[ConnectionsPanel, MessagesPanel, LatencyPanel], [HotPathPanel, ColdPathPanel, PresencePanel, ReceiptsPanel], [ProcessesPanel, TimelinePanel]]
      : width >= 80
        ? [[ConnectionsPanel, MessagesPanel], [LatencyPanel, HotPathPanel], [ColdPathPanel, PresencePanel], [ReceiptsPanel], [ProcessesPanel], [TimelinePanel]]
        : all.map((p) => [p]);
  if (hasThresholds) rows.push([ThresholdsPanel]);
  return rows;
}

export function Dashboard({ state, width, onQuit }: DashboardProps) {
  const { isRawModeSupported } = useStdin();
  const { stdout } = useStdout();
  const [help, setHelp] = useState(false);
  // Keys only where stdin is a TTY: elsewhere ink cannot enter raw mode and would throw.
  useInput(
    (input, key) => {
      if (input === 'q' || (key.ctrl && input === 'c')) onQuit?.();
      else if (input === '?') setHelp((h) => !h);
      else if (key.escape) setHelp(false);
    },
    { isActive: isRawModeSupported === true },
  );
  const cols = Math.max(40, width ?? stdout?.columns ?? 120);
  return (
    <Box flexDirection="column" width={cols}>
      <Header state={state} interactive={isRawModeSupported === true} />
      {/* Help replaces the panels rather than stacking on them: a frame taller than the
          terminal makes ink redraw from the top and flicker. */}
      {help ? <HelpOverlay width={cols} /> : null}
      {help ? null : layoutRows(cols, state.thresholds.length > 0).map((row, i) => (
        <Box key={i} flexDirection="row">
          {row.map((P, j) => {
            // The last panel takes the columns left by rounding, so rows line up on the right.
            const w = j === row.length - 1 ? cols - Math.floor(cols / row.length) * (row.length - 1) : Math.floor(cols / row.length);
            return <P key={j} state={state} width={w} />;
          })}
        </Box>
      ))}
    </Box>
  );
}
