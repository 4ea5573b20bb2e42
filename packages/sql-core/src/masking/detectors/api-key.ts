import { SECRET_REDACTED } from '../masks/format-masks';
import { eachMatch, trimValue, type Span, type TextFeatures, type ValueDetector } from './value-detector';

/**
 * API keys and tokens whose issuers give them a recognisable prefix (after
 * gitleaks and trufflehog rules). Test-mode keys (`sk_test_`) and the AWS
 * documentation key (`AKIAIOSFODNN7EXAMPLE`) are masked too: a scanner that
 * alerts may allowlist them, a mask loses nothing by hiding them.
 * Publishable keys (`pk_live_`) are public by design and are not matched.
 */

const KEYS: readonly string[] = [
  '(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}', // AWS access key ids
  'gh[pousr]_[A-Za-z0-9]{36,255}', // GitHub tokens
  'github_pat_[A-Za-z0-9_]{22,255}', // GitHub fine-grained tokens
  'gl(?:pat|dt|rt|ptt|ft|soat|cbt|imt|oas)-[A-Za-z0-9_-]{20,}', // GitLab
  'glc_[A-Za-z0-9+/]{32,}={0,2}', // Grafana Cloud
  'glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}', // Grafana service accounts
  '(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,247}', // Stripe secret / restricted keys
  'whsec_[A-Za-z0-9+/=]{24,}', // Stripe webhook secrets
  'xox[abposr]-[A-Za-z0-9-]{10,}', // Slack tokens
  'xapp-\\d-[A-Za-z0-9-]{10,}', // Slack app tokens
  'https://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/]{20,}', // Slack webhooks
  'AIza[0-9A-Za-z_-]{35}', // Google API keys
  'GOCSPX-[A-Za-z0-9_-]{28}', // Google OAuth client secrets
  'ya29\\.[0-9A-Za-z_-]{20,}', // Google OAuth access tokens
  'sk-ant-(?:api|admin)\\d\\d-[A-Za-z0-9_-]{20,}', // Anthropic
  'sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}', // OpenAI project / service account keys
  'sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}', // OpenAI legacy keys
  'SK[0-9a-fA-F]{32}', // Twilio API keys
  'SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}', // SendGrid
  'npm_[A-Za-z0-9]{36}', // npm
  'pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}', // PyPI
  'hf_[A-Za-z]{34}', // Hugging Face
  'shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}', // Shopify
  'do[por]_v1_[a-f0-9]{64}', // DigitalOcean
  'dapi[a-f0-9]{32}(?:-\\d)?', // Databricks
  'key-[0-9a-zA-Z]{32}', // Mailgun
  '[0-9a-f]{32}-us\\d{1,2}', // Mailchimp
  'sq0(?:atp|csp)-[0-9A-Za-z_-]{22,43}', // Square
  'EAAA[A-Za-z0-9_-]{60}', // Square access tokens
  'ATATT3[A-Za-z0-9_=-]{180,}', // Atlassian API tokens
  'AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}', // age secret keys
  'hv[sb]\\.[A-Za-z0-9_-]{24,}', // HashiCorp Vault tokens
  'dp\\.pt\\.[a-zA-Z0-9]{43}', // Doppler
  'lin_api_[a-zA-Z0-9]{40}', // Linear
  'PMAK-[a-f0-9]{24}-[a-f0-9]{34}', // Postman
  '\\d{8,10}:AA[0-9A-Za-z_-]{33}', // Telegram bot tokens
];

const ANY_KEY = new RegExp(`(?<![\\w-])(?:${KEYS.join('|')})(?![\\w-])`, 'g');
const WHOLE = new RegExp(`^(?:${KEYS.join('|')})$`);

/** The part of a key that names its issuer and kind, kept by the mask. */
const PREFIX =
  /^(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA|gh[pousr]_|github_pat_|gl[a-z]{1,5}[-_]|(?:sk|rk)_(?:live|test)_|whsec_|xox[abposr]-|xapp-|https:\/\/hooks\.slack\.com\/[a-z]+\/|AIza|GOCSPX-|ya29\.|sk-ant-(?:api|admin)\d\d-|sk-(?:proj|svcacct|admin)-|sk-|SK|SG\.|npm_|pypi-|hf_|shp(?:at|ca|pa|ss)_|do[por]_v1_|dapi|key-|sq0(?:atp|csp)-|EAAA|ATATT3|AGE-SECRET-KEY-1|hv[sb]\.|dp\.pt\.|lin_api_|PMAK-)/;

/**
 * `ghp_1234...Ab12` -> `ghp_****Ab12`: the issuer prefix and the last four
 * characters stay (enough to tell keys apart, about 24 bits of a 200+ bit key).
 * A value without a known prefix is fully redacted.
 */
export function maskApiKey(value: string): string {
  const v = trimValue(value);
  const m = PREFIX.exec(v);
  if (!m || v.length < m[0].length + 16) return SECRET_REDACTED;
  return `${m[0]}****${v.slice(-4)}`;
}

/** Whether a value starts with a known issuer prefix (for masks that keep it). */
export function hasKnownKeyPrefix(value: string): boolean {
  return WHOLE.test(value);
}

export const apiKeyDetector: ValueDetector = {
  id: 'api_key',
  prefilter(f: TextFeatures): boolean {
    return f.maxRun >= 16;
  },
  findSpans(text: string, out: Span[]): void {
    eachMatch(ANY_KEY, text, (m) => {
      out.push({ start: m.index, end: m.index + m[0].length, detector: 'api_key' });
    });
  },
  isValue(value: string): boolean {
    return WHOLE.test(trimValue(value));
  },
  mask: maskApiKey,
};
