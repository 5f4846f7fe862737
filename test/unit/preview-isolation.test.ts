import { describe, expect, it } from 'vitest';
import { isolationRefusal } from '../../lab-server/preview/isolation.ts';

describe('preview resource isolation', () => {
  const own = (origin: string) => origin === 'http://p3000-x.localhost:8080' || origin === 'http://p8080-x.localhost:8080';

  it('lets navigations, the preview\'s own requests and its other ports through', () => {
    expect(isolationRefusal({}, own)).toBeUndefined();
    expect(isolationRefusal({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, own)).toBeUndefined();
    expect(isolationRefusal({ 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }, own)).toBeUndefined();
    expect(isolationRefusal({ 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' }, own)).toBeUndefined();
    expect(isolationRefusal({ origin: 'http://p8080-x.localhost:8080', 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors' }, own)).toBeUndefined();
    expect(isolationRefusal({ 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', referer: 'http://p8080-x.localhost:8080/page' }, own)).toBeUndefined();
  });

  it('refuses requests and WebSockets from other origins, other previews among them', () => {
    expect(isolationRefusal({ origin: 'http://p3000-y.localhost:8080', 'sec-fetch-mode': 'websocket', 'sec-fetch-site': 'same-site' }, own)).toBeDefined();
    expect(isolationRefusal({ origin: 'null' }, own)).toBeDefined();
    expect(isolationRefusal({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, own)).toBeDefined();
    expect(isolationRefusal({ 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', referer: 'http://p3000-y.localhost:8080/' }, own)).toBeDefined();
    expect(isolationRefusal({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }, own)).toBeDefined();
  });
});
