import { ChatlabError, ErrorCodes } from '../core/index.js';
import type { GlobalOptions } from './context.js';

export async function validateCommand(_raw: Record<string, unknown>, _globals: GlobalOptions): Promise<number> {
  throw new ChatlabError(ErrorCodes.CONFIG, '--validate is not implemented yet');
}
