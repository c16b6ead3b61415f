import { consoleUrl } from './approval-request.service';

describe(consoleUrl.name, () => {
  it('is a path without a public URL, the id encoded', () => {
    expect(consoleUrl(null, 'agent-1:exception:approval-2')).toBe(
      '/console/workflows/agent-1%3Aexception%3Aapproval-2',
    );
  });

  it('is absolute under the public URL', () => {
    expect(consoleUrl('https://dg.example.com/base', 'a/b')).toBe(
      'https://dg.example.com/base/console/workflows/a%2Fb',
    );
  });
});
