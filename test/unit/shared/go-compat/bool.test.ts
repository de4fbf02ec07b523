import { describe, expect, it } from 'vitest';

import { parseGoBool } from '../../../../src/shared/go-compat/bool.js';

describe('parseGoBool', () => {
  it("reads what Go's strconv.ParseBool reads, and nothing else", () => {
    for (const yes of ['1', 't', 'T', 'true', 'TRUE', 'True']) expect(parseGoBool(yes), yes).toBe(true);
    for (const no of ['0', 'f', 'F', 'false', 'FALSE', 'False']) expect(parseGoBool(no), no).toBe(false);
    for (const other of ['', 'yes', 'on', 'tRUE', ' true', '2']) expect(parseGoBool(other), other).toBeUndefined();
  });
});
