import { Box, Text } from 'ink';
import { Fragment, type ReactNode } from 'react';
import { fmtFactor, fmtInt, fmtMs, fmtShortClock, sparkline } from './format.js';
import { brokenFor, type DashboardMetric, type DashboardProcess, type DashboardState } from './state.js';

export interface PanelProps {
  state: DashboardState;
  /** Outer width in columns, border included. */
  width: number;
}

/** Inner text width: the border takes 2 columns, the padding 2 more. */
const inner = (width: number) => Math.max(8, width - 4);

export function Panel({ title, width, alert, children }: { title: string; width: number; alert?: boolean; children: ReactNode }) {
  return (
    <Box borderStyle="round" borderColor={alert ? 'red' : 'gray'} flexDirection="column" width={width} paddingX={1}>
      <Text bold color={alert ? 'red' : 'cyan'} wrap="truncate">
        {title}
      </Text>
      {children}
    </Box>
  );
}

/** A number that turns red, with a ✖ that survives without colour, while a threshold on it is broken. */
export function Num({ state, metric, children }: { state: DashboardState; metric: DashboardMetric; children: string }) {
  const broken = brokenFor(state, metric);
  if (!broken) return <Text bold>{children}</Text>;
  return (
    <Text bold color="red">
      {children} ✖
    </Text>
  );
}

export function ConnectionsPanel({ state, width }: PanelProps) {
  const c = state.connections;
  return (
    <Panel title="Connections" width={width} alert={Boolean(brokenFor(state, 'open') ?? brokenFor(state, 'failed') ?? brokenFor(state, 'reconnecting'))}>
      <Text wrap="truncate">
        <Num state={state} metric="open">{fmtInt(c.open)}</Num> open <Text color="green">{sparkline(c.history, inner(width) - 14)}</Text>
      </Text>
      <Text wrap="truncate">
        reconnecting <Num state={state} metric="reconnecting">{`${fmtInt(c.reconnectingPerSec)}/s`}</Num> failed{' '}
        <Num state={state} metric="failed">{fmtInt(c.failed)}</Num>
      </Text>
    </Panel>
  );
}

export function MessagesPanel({ state, width }: PanelProps) {
  const m = state.messages;
  return (
    <Panel title="Messages" width={width}>
      <Text wrap="truncate">
        sent <Num state={state} metric="sent">{`${fmtInt(m.sentPerSec)}/s`}</Num> delivered <Num state={state} metric="delivered">{`${fmtInt(m.deliveredPerSec)}/s`}</Num>
      </Text>
      <Text color="blue" wrap="truncate">
        {sparkline(m.history, inner(width))}
      </Text>
    </Panel>
  );
}

export function LatencyPanel({ state, width }: PanelProps) {
  const l = state.latency;
  const alert = (['p50', 'p99', 'p999', 'max'] as const).some((k) => brokenFor(state, k));
  return (
    <Panel title="Latency send→deliver (ms)" width={width} alert={alert}>
      <Text wrap="truncate">
        p50 <Num state={state} metric="p50">{fmtMs(l.p50)}</Num> p99 <Num state={state} metric="p99">{fmtMs(l.p99)}</Num> p99.9{' '}
        <Num state={state} metric="p999">{fmtMs(l.p999)}</Num> max <Num state={state} metric="max">{fmtMs(l.max)}</Num>
      </Text>
      <Text wrap="truncate">
        p99 <Text color="yellow">{sparkline(l.p99History, inner(width) - 4)}</Text>
      </Text>
    </Panel>
  );
}

export function HotPathPanel({ state, width }: PanelProps) {
  const h = state.hot;
  return (
    <Panel title="Hot path · Redis" width={width}>
      <Text wrap="truncate">publishes {fmtInt(h.publishesPerSec)}/s</Text>
      <Text wrap="truncate">
        inbox {fmtInt(h.inboxPerSec)} group {fmtInt(h.groupPerSec)}
      </Text>
      <Text wrap="truncate">member changes {fmtInt(h.memberChangesPerSec)}/s</Text>
    </Panel>
  );
}

export function ColdPathPanel({ state, width }: PanelProps) {
  const c = state.cold;
  return (
    <Panel title={state.search ? 'Cold path · Kafka → Cassandra, search' : 'Cold path · Kafka → Cassandra'} width={width} alert={Boolean(brokenFor(state, 'lag'))}>
      <Text wrap="truncate">
        produced {fmtInt(c.producedPerSec)}/s lag <Num state={state} metric="lag">{fmtInt(c.lag)}</Num>
      </Text>
      <Text wrap="truncate">
        persisted {fmtInt(c.persistedPerSec)}/s{c.persistP99Ms != null ? ` p99 ${fmtMs(c.persistP99Ms)} ms` : ''}
        {c.cpuMsPerMessage != null ? ` · ${c.cpuMsPerMessage.toFixed(2)} ms cpu/msg` : ''}
      </Text>
      {state.search ? (
        <Text wrap="truncate">
          index {fmtInt(state.search.indexedPerSec)}/s lag {fmtInt(state.search.lag)}
          {state.search.searchableP99Ms != null ? ` p99 ${fmtMs(state.search.searchableP99Ms)} ms` : ''}
        </Text>
      ) : null}
    </Panel>
  );
}

export function PresencePanel({ state, width }: PanelProps) {
  const p = state.presence;
  const f = fmtFactor(p.eventsPerSec, p.redisWritesPerSec);
  return (
    <Panel title="Presence" width={width}>
      <Text wrap="truncate">
        events {fmtInt(p.eventsPerSec)}/s notif {fmtInt(p.notificationsPerSec)}/s
      </Text>
      <Text wrap="truncate">
        writes {fmtInt(p.redisWritesPerSec)}/s{f ? <Text color="green"> ({f} less)</Text> : null}
      </Text>
    </Panel>
  );
}

export function ReceiptsPanel({ state, width }: PanelProps) {
  const r = state.receipts;
  const f = fmtFactor(r.readsPerSec, r.dbWritesPerSec);
  return (
    <Panel title="Receipts" width={width}>
      <Text wrap="truncate">reads {fmtInt(r.readsPerSec)}/s</Text>
      <Text wrap="truncate">
        db writes {fmtInt(r.dbWritesPerSec)}/s{f ? <Text color="green"> ({f} less)</Text> : null}
      </Text>
    </Panel>
  );
}

const HEALTH_COLOR: Record<DashboardProcess['health'], string> = { healthy: 'green', starting: 'yellow', unhealthy: 'yellow', unreachable: 'yellow', killed: 'red' };

function processLine(p: DashboardProcess): ReactNode {
  const gone = p.health === 'killed';
  const cpu = gone || p.cpuPct === null ? '—' : `${Math.round(p.cpuPct)}%`;
  const rss = gone || p.rssMB === null ? '—' : `${Math.round(p.rssMB)} MB`;
  const extra = p.lag !== undefined && p.lag !== null ? `lag ${fmtInt(p.lag)}` : p.conns !== null && !gone ? `${fmtInt(p.conns)} conns` : '';
  return (
    <Text key={p.name} wrap="truncate">
      {p.name.padEnd(12)} {cpu.padStart(4)} cpu {rss.padStart(7)} {extra.padEnd(12)}{' '}
      <Text color={HEALTH_COLOR[p.health]}>
        {p.health}
        {p.note ? ` (${p.note})` : ''}
      </Text>
    </Text>
  );
}

export function ProcessesPanel({ state, width }: PanelProps) {
  return (
    <Panel title="Processes" width={width} alert={state.processes.some((p) => p.health === 'killed')}>
      {state.processes.length === 0 ? <Text dimColor>no processes known yet</Text> : state.processes.map(processLine)}
      {state.infra.length > 0 ? (
        <Text wrap="truncate">
          {state.infra.map((i, k) => (
            <Text key={i.name}>
              {k > 0 ? ' · ' : ''}
              {i.name} <Text color={i.ok ? 'green' : 'red'}>{i.ok ? 'ok' : 'DOWN'}</Text>
            </Text>
          ))}
        </Text>
      ) : null}
    </Panel>
  );
}

/** Only the latest lines fit; older ones are in the report. */
export function TimelinePanel({ state, width, lines = 6 }: PanelProps & { lines?: number }) {
  const shown = state.timeline.slice(-lines);
  return (
    <Panel title="Timeline" width={width}>
      {shown.length === 0 ? <Text dimColor>nothing yet</Text> : null}
      {shown.map((e, i) => {
        const bad = e.kind === 'fault' || e.kind === 'threshold';
        return (
          <Text key={`${e.atMs}-${i}`} wrap="truncate" color={bad ? 'red' : undefined}>
            {fmtShortClock(e.atMs)} {bad ? '✖ ' : e.kind === 'phase' ? '▶ ' : ''}
            {e.label}
          </Text>
        );
      })}
    </Panel>
  );
}

export function ThresholdsPanel({ state, width }: PanelProps) {
  const broken = state.thresholds.some((t) => !t.ok);
  return (
    <Panel title="Thresholds" width={width} alert={broken}>
      <Text wrap="wrap">
        {state.thresholds.map((t, i) => (
          <Fragment key={`${t.name}-${i}`}>
            {i > 0 ? '   ' : ''}
            <Text color={t.ok ? 'green' : 'red'}>
              {t.ok ? '✔' : '✖ FAILED'} {t.name} ({t.value === null ? '—' : fmtMs(t.value)})
            </Text>
          </Fragment>
        ))}
      </Text>
    </Panel>
  );
}
