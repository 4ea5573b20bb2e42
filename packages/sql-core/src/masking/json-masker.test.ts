import { JsonMasker } from './json-masker';
import { DEFAULT_MASK_OPTIONS } from './mask-options';

const json = new JsonMasker(DEFAULT_MASK_OPTIONS);

describe('JsonMasker', () => {
  it('masks values by key name, keeps keys, order, formatting and big numbers', () => {
    const doc =
      '{"id": 12345678901234567890, "email": "jane@example.com", "phone": 4155552671, "verified": true, "note": null}';
    expect(json.mask(doc, null)).toBe(
      '{"id": 12345678901234567890, "email": "j***@example.com", "phone": 2671, "verified": true, "note": null}',
    );
  });

  it('uses the parent key as the table: a customer name is a person name, a product name is not', () => {
    expect(json.mask('{"customer":{"name":"Jane Doe"},"product":{"name":"Widget"}}', null)).toBe(
      '{"customer":{"name":"J***"},"product":{"name":"Widget"}}',
    );
  });

  it('masks everything below a sensitive key, by the inner key when it is sensitive too', () => {
    expect(
      json.mask(
        '{"address":{"street":"1 Main St","city":"Springfield","zip":"94103","geo":[37.7749,-122.4194]}}',
        null,
      ),
    ).toBe('{"address":{"street":"****","city":"****","zip":"941**","geo":[37.77,-122.42]}}');
    expect(json.mask('{"emails":["a@example.com","b@example.org"]}', null)).toBe(
      '{"emails":["a***@example.com","b***@example.org"]}',
    );
    expect(json.mask('{"password":{"old":"x","new":"y"}}', null)).toBe(
      '{"password":{"old":"********","new":"********"}}',
    );
  });

  it('scans strings under unclassified keys for spans', () => {
    expect(json.mask('{"comment":"call me at (415) 555-2671","title":"hello"}', null)).toBe(
      '{"comment":"call me at (***) ***-**71","title":"hello"}',
    );
  });

  it('decodes escapes and re-encodes masked strings', () => {
    expect(json.mask('{"email":"jane\\u0040example.com","x":"a\\"b"}', null)).toBe(
      '{"email":"j***@example.com","x":"a\\"b"}',
    );
  });

  it('returns the same string when nothing is sensitive', () => {
    const doc = '[1, 2.5e3, "plain", {"a": [true, false, null]}]';
    expect(json.mask(doc, null)).toBe(doc);
  });

  it('keys classify by their own name: token_type and api_key_id are not secrets', () => {
    expect(json.mask('{"token_type":"Bearer","api_key_id":42,"api_key":"abc123"}', null)).toBe(
      '{"token_type":"Bearer","api_key_id":42,"api_key":"********"}',
    );
  });

  it('an ambiguous key masks only random-looking strings, never numbers', () => {
    expect(
      json.mask('{"key": 5, "x": {"key": "home.title"}, "y": {"key": "x9Fk2LmQ8pZ7vR3tY6wB1nC4"}}', null),
    ).toBe('{"key": 5, "x": {"key": "home.title"}, "y": {"key": "********"}}');
  });

  it('a classified root masks every value', () => {
    expect(json.mask('"jane@example.com"', { detector: 'email', confidence: 'high', reason: '' })).toBe(
      '"j***@example.com"',
    );
  });

  it("whole-row JSON classifies top-level keys as the table's columns", () => {
    expect(json.mask('[{"id":1,"name":"Jane Doe","email":"jane@example.com"}]', null, 'public.users')).toBe(
      '[{"id":1,"name":"J***","email":"j***@example.com"}]',
    );
  });

  it('text that is not JSON is scanned as free text', () => {
    expect(json.mask('{"email": jane@example.com', null)).toBe('{"email": j***@example.com');
    expect(json.mask('['.repeat(1000), null)).toBe('['.repeat(1000));
  });
});
