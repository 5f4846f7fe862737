import { describe, expect, it } from 'vitest';
import { appCookies, requestHeaders, responseHeaders, rewriteSetCookie } from '../../lab-server/preview/headers.ts';

const facts = { host: 'p3000-x.localhost:8080', clientAddress: '127.0.0.1', proto: 'http' as const, upgrade: false };

describe('preview headers', () => {
  it('never passes Bulkhead\'s cookies to the app', () => {
    expect(appCookies('bh_learner=a; app=1; BH_PREVIEW=b; theirs=2')).toBe('app=1; theirs=2');
    expect(appCookies('bh_preview=b')).toBeUndefined();
  });

  it('replaces forwarding claims and hop-by-hop headers, and keeps the browser\'s Host', () => {
    const out = requestHeaders({
      host: 'p3000-x.localhost:8080', cookie: 'bh_preview=t; a=1', 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil', forwarded: 'for=6.6.6.6',
      'x-real-ip': '6.6.6.6', connection: 'keep-alive, x-secret', 'x-secret': 's', 'proxy-authorization': 'p', te: 'trailers', accept: 'text/html',
    }, facts);
    expect(out).toEqual({ accept: 'text/html', cookie: 'a=1', host: 'p3000-x.localhost:8080', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-host': 'p3000-x.localhost:8080', 'x-forwarded-proto': 'http' });
    expect(requestHeaders({ upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'k' }, { ...facts, upgrade: true })).toMatchObject({ connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'k' });
  });

  it('keeps the app\'s cookies on the preview host and drops ones that pose as Bulkhead\'s', () => {
    expect(rewriteSetCookie('a=1; Path=/; Domain=localhost; HttpOnly')).toBe('a=1; Path=/; HttpOnly');
    expect(rewriteSetCookie('a=1; domain = .preview.example.net')).toBe('a=1');
    expect(rewriteSetCookie('bh_learner=x; Path=/')).toBeUndefined();
    expect(rewriteSetCookie('__Host-bh_learner=x; Path=/; Secure')).toBeUndefined();
    expect(rewriteSetCookie('a=1; Path=/app', '/preview/id/3000/')).toBe('a=1; Path=/preview/id/3000/app');
    expect(rewriteSetCookie('a=1', '/preview/id/3000/')).toBe('a=1; Path=/preview/id/3000/');
  });

  it('passes redirects on unchanged, except that the path scheme keeps them under its prefix', () => {
    const headers = { location: 'http://169.254.169.254/', 'transfer-encoding': 'chunked', 'content-type': 'text/plain' };
    expect(responseHeaders(headers)).toEqual({ location: 'http://169.254.169.254/', 'content-type': 'text/plain' });
    expect(responseHeaders({ location: '/login' }, '/preview/id/3000/')).toEqual({ location: '/preview/id/3000/login' });
    expect(responseHeaders({ location: '//evil.example/' }, '/preview/id/3000/')).toEqual({ location: '//evil.example/' });
  });
});
