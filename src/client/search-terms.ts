/**
 * Words of a message as the local store's full-text index sees them, matching the cloud
 * index's analyzer (store/search-index.ts): NFKC (full-width forms folded, like cjk_width),
 * lower case, English and other alphabetic text cut into words, and CJK text cut into
 * overlapping character bigrams (a lone ideograph stays one term), so "数据库" matches
 * "分布式数据库" without a dictionary. SQLite's own tokenizers cannot do this: unicode61
 * keeps a whole CJK sentence as one token and trigram needs three characters.
 */
const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}';
const RUNS = new RegExp(`[${CJK}]+|(?:(?![${CJK}])[\\p{L}\\p{N}])+`, 'gu');
const IS_CJK = new RegExp(`^[${CJK}]`, 'u');

/** Each run of the text (a word, or a CJK stretch) as its terms, in order. */
export function termRuns(text: string): string[][] {
  const runs: string[][] = [];
  for (const [run] of text.normalize('NFKC').toLowerCase().matchAll(RUNS)) {
    if (!IS_CJK.test(run)) {
      runs.push([run]);
      continue;
    }
    const chars = [...run];
    if (chars.length === 1) runs.push(chars);
    else runs.push(chars.slice(1).map((c, i) => chars[i]! + c));
  }
  return runs;
}

/** What goes into the FTS column for a body: its terms separated by spaces. */
export function indexText(body: string): string {
  return termRuns(body).map((r) => r.join(' ')).join(' ');
}

/**
 * An FTS5 MATCH expression for a user's query: every word must be there (as the cloud's
 * `operator: and`), and a CJK stretch's bigrams must be adjacent (a phrase). Terms hold only
 * letters and digits, so quoting them is safe. Null when the query has no term at all.
 */
export function matchExpression(query: string): string | null {
  const runs = termRuns(query);
  if (runs.length === 0) return null;
  return runs.map((r) => `"${r.join(' ')}"`).join(' ');
}
