import crypto from 'node:crypto';
import type { Rng } from '../../core/lean/index.js';

/**
 * Bodies for search load: the intended send time (as every load body), a token unique to the
 * message (derived from its clientMsgId, so the checker finds it from the send record alone),
 * the word every search body has (SEARCH_COMMON_WORD, for queries with many hits) and then
 * English and Chinese words up to the size asked, so both indexes see text like chat.
 */
export const SEARCH_COMMON_WORD = 'chatlab';

const ENGLISH = 'meeting tomorrow lunch project deadline review coffee weekend flight hotel photo video call later thanks sorry please budget design database release server client search index message group friend family dinner movie music train station office report draft'.split(' ');
const CHINESE = '明天 开会 北京 上海 数据库 设计 项目 周末 晚饭 电影 音乐 火车站 办公室 报告 朋友 家人 谢谢 照片 视频 服务器'.split(' ');

/** One alphanumeric token per message, a single term for both analyzers. */
export function searchTokenOf(clientMsgId: string): string {
  return `q${crypto.createHash('sha1').update(clientMsgId).digest('hex').slice(0, 12)}`;
}

export function searchBody(intendedAt: number, clientMsgId: string, bytes: number, rng: Rng): string {
  let body = `t=${intendedAt.toFixed(1)}| ${searchTokenOf(clientMsgId)} ${SEARCH_COMMON_WORD}`;
  while (Buffer.byteLength(body) < bytes) {
    const words = rng.next() < 0.3 ? CHINESE : ENGLISH;
    body += ` ${words[Math.floor(rng.next() * words.length)]}`;
  }
  return body;
}
