import { describe, expect, it } from 'vitest';
import { parseStrictJson } from '../../lab-server/gate/strict-json.ts';
import { GateRefusal } from '../../lab-server/gate/refusal.ts';

const parse = (text: string) => parseStrictJson(Buffer.from(text));
const refused = (text: string) => expect(() => parse(text), text).toThrow(GateRefusal);

describe('the strict JSON parser', () => {
  it('parses what JSON.parse parses', () => {
    const text = '{"Image":"x","HostConfig":{"Memory":1048576,"CapAdd":["NET_RAW"],"Init":null,"ReadonlyRootfs":true},"n":-1.5e3}';
    expect(JSON.parse(JSON.stringify(parse(text)))).toEqual(JSON.parse(text));
  });

  it('refuses duplicate keys, also when they differ only by case or by Go\'s Unicode folding', () => {
    refused('{"Privileged":false,"Privileged":true}');
    refused('{"Privileged":false,"privileged":true}');
    refused('{"SecurityOpt":[],"\u017fecurityOpt":["seccomp=unconfined"]}');
    refused('{"HostConfig":{"Binds":[],"BINDS":["/:/host"]}}');
  });

  it('refuses trailing data, invalid UTF-8, lone surrogates and deep nesting', () => {
    refused('{"Image":"x"}{"Privileged":true}');
    expect(() => parseStrictJson(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toThrow(GateRefusal);
    refused('{"Image":"\\ud800"}');
    refused('['.repeat(100) + ']'.repeat(100));
    refused('{"a":01}');
    refused('{"a":123456789012345678901234}');
  });

  it('keeps __proto__ as plain data', () => {
    const value = parse('{"__proto__":{"Privileged":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBeNull();
    expect((value as { Privileged?: unknown }).Privileged).toBeUndefined();
    expect(Object.keys(value)).toEqual(['__proto__']);
  });
});
