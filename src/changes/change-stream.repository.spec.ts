import { xipOf } from './change-stream.repository';

describe(xipOf.name, () => {
  it('reads the running transaction ids of a snapshot', () => {
    expect(xipOf('100:105:100,102,104')).toEqual(['100', '102', '104']);
    expect(xipOf('755:755:')).toEqual([]);
  });
});
