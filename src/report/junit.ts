import type { RunResult, VariantResult } from '../scenario/index.js';
import { escapeXml as x, fmtNum } from './format.js';

/**
 * junit.xml: one testsuite per variant, one testcase per threshold, so CI shows which SLO
 * broke in which variant. A run that could not be done is one errored testcase: CI must see
 * it as broken, not as "0 tests, all green".
 */
export function renderJunit(result: RunResult): string {
  const suites = result.variants.map((v) => variantSuite(result, v));
  if (result.error) suites.push(errorSuite(result));
  const tests = result.variants.reduce((n, v) => n + v.thresholds.length, 0) + (result.error ? 1 : 0);
  const failures = result.variants.reduce((n, v) => n + v.thresholds.filter((t) => !t.ok).length, 0);
  const errors = result.error ? 1 : 0;
  const time = seconds(result.variants.reduce((ms, v) => ms + v.durationMs, 0));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${x(`chatlab ${result.scenario}`)}" tests="${tests}" failures="${failures}" errors="${errors}" time="${time}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function variantSuite(result: RunResult, v: VariantResult): string {
  const failures = v.thresholds.filter((t) => !t.ok).length;
  const classname = x(`chatlab.${result.scenario}.${v.name}`);
  const props = [
    ...Object.entries(v.params).map(([k, p]) => [`param.${k}`, String(p)] as const),
    ['seed', String(result.environment.seed)] as const,
    ['runId', result.runId] as const,
  ];
  const lines = [
    `  <testsuite name="${x(`${result.scenario} · ${v.name}`)}" tests="${v.thresholds.length}" failures="${failures}" errors="0" skipped="0" time="${seconds(v.durationMs)}" timestamp="${x(result.startedAt)}">`,
    '    <properties>',
    ...props.map(([k, val]) => `      <property name="${x(k)}" value="${x(val)}"/>`),
    '    </properties>',
  ];
  for (const t of v.thresholds) {
    const open = `    <testcase classname="${classname}" name="${x(t.name)}" time="0"`;
    if (t.ok) {
      lines.push(`${open}/>`);
      continue;
    }
    const msg = `${t.name}: value ${fmtNum(t.value)} vs limit ${fmtNum(t.limit)}`;
    lines.push(`${open}>`);
    lines.push(`      <failure type="threshold" message="${x(msg)}">${x(`${msg}\nvariant ${v.name}, measured ${t.value === null ? 'nothing' : String(t.value)}`)}</failure>`);
    lines.push('    </testcase>');
  }
  if (v.errors.length > 0) lines.push(`    <system-err>${x(v.errors.join('\n'))}</system-err>`);
  lines.push('  </testsuite>');
  return lines.join('\n');
}

function errorSuite(result: RunResult): string {
  const msg = result.error ?? 'the run could not be done';
  return [
    `  <testsuite name="${x(`${result.scenario} · run`)}" tests="1" failures="0" errors="1" skipped="0" time="0.000" timestamp="${x(result.startedAt)}">`,
    `    <testcase classname="${x(`chatlab.${result.scenario}`)}" name="run" time="0">`,
    `      <error type="run" message="${x(msg)}">${x(msg)}</error>`,
    '    </testcase>',
    '  </testsuite>',
  ].join('\n');
}
