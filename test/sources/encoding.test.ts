import { describe, expect, it } from 'vitest';
import { encodeEvent, newEvent } from '../../lib/events/envelope.ts';
import { githubSource } from '../../lib/sources/github/index.ts';
import { gitlabSource } from '../../lib/sources/gitlab/index.ts';
import { webhookSource } from '../../lib/sources/webhook/index.ts';
import { httpRequest } from './helpers.ts';

function dataBytes(data: unknown): string {
  const bytes = encodeEvent(newEvent({ source: 's', subject: 'e', type: 'github', data, id: 'x' }));
  return bytes.slice(bytes.indexOf('"data":') + '"data":'.length, -1);
}

describe('event data bytes as Argo Events writes them (semantics §1.3)', () => {
  it('writes GitHub data compacted, keys sorted, <>& escaped', () => {
    // Prepare
    const request = httpRequest({
      headers: {
        'X-GitHub-Event': 'push',
        'Content-Type': 'application/json',
        'User-Agent': 'GitHub-Hookshot/1',
      },
      body: '{ "zen": "a <b> & c", "after": "abc", "commits": [ { "id": 1, "author": { "name": "n" } } ] }',
    });

    // Act
    const bytes = dataBytes(githubSource.toEventData(request, {}));

    // Assess
    expect(bytes).toBe(
      '{"headers":{"Content-Type":["application/json"],"User-Agent":["GitHub-Hookshot/1"],"X-Github-Event":["push"]},' +
        '"body":{"X-GitHub-Delivery":"","X-GitHub-Event":"push","after":"abc","commits":[{"author":{"name":"n"},"id":1}],' +
        '"zen":"a \\u003cb\\u003e \\u0026 c"}}',
    );
  });

  it('keeps a webhook body in its own key order, compacted, as Go re-emits json.RawMessage', () => {
    // Act
    const bytes = dataBytes(
      webhookSource.toEventData(httpRequest({ body: '{ "b": 1, "a": [ "x" ] }' }), {
        endpoint: '/',
        port: '1',
      }),
    );

    // Assess
    expect(bytes).toBe('{"header":{},"body":{"b":1,"a":["x"]}}');
  });

  it('writes a webhook body byte for byte where a re-serialisation would change it', () => {
    // Prepare: integer-like keys, number forms, escapes and HTML characters, pretty-printed.
    const body =
      '{\n  "b": 1,\n  "10": 2,\n  "2": 3,\n  "n": 1.0,\n  "big": 12345678901234567890,\n  "s": "caf\\u00e9 <x> & \\/"\n}';

    // Act
    const bytes = dataBytes(
      webhookSource.toEventData(httpRequest({ body }), { endpoint: '/', port: '1', metadata: { team: 'a' } }),
    );

    // Assess
    expect(bytes).toBe(
      '{"header":{},"body":{"b":1,"10":2,"2":3,"n":1.0,"big":12345678901234567890,"s":"caf\\u00e9 \\u003cx\\u003e \\u0026 \\/"},"metadata":{"team":"a"}}',
    );
  });

  it('writes a GitLab body byte for byte, compacted', () => {
    // Act
    const bytes = dataBytes(
      gitlabSource.toEventData(
        httpRequest({ headers: { 'X-Gitlab-Event': 'Push Hook' }, body: '{ "z": 1.50, "1": "a" }' }),
        {} as never,
      ),
    );

    // Assess
    expect(bytes).toBe('{"headers":{"X-Gitlab-Event":["Push Hook"]},"body":{"z":1.50,"1":"a"}}');
  });
});
