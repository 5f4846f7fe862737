import { describe, expect, it } from 'vitest';
import { refusalOf } from '../helpers/refusal.ts';
import { bodyFraming, parseQuery, parseTarget } from '../../lab-server/gate/request.ts';
import { matchRoute } from '../../lab-server/gate/routes.ts';

describe('the gate request parser', () => {
  it('strips the API version prefix and decodes the path as the engine router does', () => {
    expect(parseTarget('POST', '/v1.41/containers/create?name=web')).toMatchObject({ version: '1.41', path: '/containers/create' });
    expect(parseTarget('GET', '/_ping')).toMatchObject({ version: null, path: '/_ping' });
    // %2F becomes "/" for the engine (Go decodes the path before routing), so the gate routes the decoded path too.
    const decoded = parseTarget('POST', '/v1.41/containers%2Fcreate');
    expect(decoded.path).toBe('/containers/create');
    expect(matchRoute(decoded.method, decoded.path)?.name).toBe('containerCreate');
  });

  it('refuses paths the engine would clean or redirect: //, /./, /../ and trailing slashes', () => {
    for (const target of ['/v1.41//containers/create', '/containers/./create', '/images/../build', '/containers/json/', '/v1.41/containers/%2E%2E/create', '/v1.41/%2Fcontainers/create']) {
      expect(refusalOf(() => parseTarget('POST', target)).status, target).toBe(400);
    }
  });

  it('accepts only upper-case methods it knows', () => {
    expect(refusalOf(() => parseTarget('post', '/containers/create')).status).toBe(405);
    expect(refusalOf(() => parseTarget('PATCH', '/containers/create')).status).toBe(405);
  });

  it('refuses old API versions whose create and start read legacy HostConfig shapes', () => {
    expect(refusalOf(() => parseTarget('POST', '/v1.23/containers/create')).message).toMatch(/too old/);
    expect(refusalOf(() => parseTarget('POST', '/v1.41.0/containers/create')).status).toBe(400);
  });

  it('refuses absolute URLs, fragments, control characters and malformed escapes', () => {
    for (const target of ['http://docker/containers/json', '/containers/json#x', '/containers/%00/json', '/containers/%zz/json', '/con tainers/json']) {
      expect(refusalOf(() => parseTarget('GET', target)).status, target).toBe(400);
    }
  });

  it('refuses repeated query keys and ";" separators that the engine would read differently', () => {
    expect(refusalOf(() => parseQuery('name=web&name=evil')).message).toMatch(/twice/);
    expect(refusalOf(() => parseQuery('name=web;x=1')).message).toMatch(/;/);
    expect(parseQuery('filters=%7B%22label%22%3A%5B%5D%7D&all=1').get('filters')).toBe('{"label":[]}');
  });

  it('accepts one Content-Length or exactly chunked, never both or repeated', () => {
    expect(bodyFraming(['Content-Length', '12'])).toEqual({ kind: 'length', length: 12 });
    expect(bodyFraming(['Transfer-Encoding', 'chunked'])).toEqual({ kind: 'chunked' });
    expect(bodyFraming(['Content-Length', '0'])).toEqual({ kind: 'none' });
    expect(refusalOf(() => bodyFraming(['Content-Length', '1', 'Content-Length', '1'])).status).toBe(400);
    expect(refusalOf(() => bodyFraming(['Content-Length', '5', 'Transfer-Encoding', 'chunked'])).status).toBe(400);
    expect(refusalOf(() => bodyFraming(['Transfer-Encoding', 'gzip, chunked'])).status).toBe(400);
    expect(refusalOf(() => bodyFraming(['Content-Length', '+5'])).status).toBe(400);
  });

  it('routes image references with slashes and refuses what is not in the table', () => {
    expect(matchRoute('GET', '/images/bulkhead/web:nginx-1.26/json')).toEqual({ name: 'imageInspect', ref: 'bulkhead/web:nginx-1.26' });
    expect(matchRoute('GET', '/containers/json')?.name).toBe('containerList');
    expect(matchRoute('POST', '/session')?.name).toBe('buildkit');
    expect(matchRoute('POST', '/containers/web/copy')).toBeUndefined();
    expect(matchRoute('GET', '/nonexistent')).toBeUndefined();
  });
});
