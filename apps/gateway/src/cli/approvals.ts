import { APPROVAL_STATUSES, type ApprovalRequest, type ApprovalStatus } from '@gatehouse/approvals';
import {
  callControl,
  EndpointError,
  resolveEndpoint,
  type ControlEndpoint,
  type ControlResponse,
} from './approvals-client';
import { formatList, formatRequest } from './approvals-format';
import { ExitCode, type CliIo } from './cli-io';
import { findConfigFile } from './config-path';
import { parseCommandArgs } from './parse';

export const APPROVALS_USAGE = `usage: gatehouse approvals list [--status S] [--limit N]
       gatehouse approvals show ID
       gatehouse approvals approve ID [--reason R]
       gatehouse approvals deny ID --reason R

Reads and decides held statements through the control API, as the identity
of the token: it must belong to an approver group of the request (or, to
read, to control.admins). Nobody can approve their own request.

options:
  --url URL        control API base URL (else $GATEHOUSE_URL, else the config's control host and port)
  --token TOKEN    bearer token (else $GATEHOUSE_TOKEN)
  --config FILE    config file to read the control address from
  --json           print the API's JSON
  --status S       list: ${APPROVAL_STATUSES.join('|')}
  --limit N        list: at most N requests, newest first (default 50)
  --reason R       approve: optional; deny: required
`;

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  status: { type: 'string' },
  limit: { type: 'string' },
  reason: { type: 'string', short: 'r' },
  help: { type: 'boolean', short: 'h' },
} as const;

const SUBCOMMANDS = ['list', 'show', 'approve', 'deny'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** The API's error body, or the HTTP status when it sent none. */
function failure(res: ControlResponse): string {
  const b = res.body as { error?: string; message?: string } | null;
  if (b && typeof b === 'object' && typeof b.message === 'string')
    return `${b.message} (${b.error ?? res.status})`;
  return `the control API answered HTTP ${res.status}${typeof res.body === 'string' && res.body ? `: ${res.body.slice(0, 200)}` : ''}`;
}

function decisionSummary(kind: 'approve' | 'deny', r: ApprovalRequest): string {
  if (kind === 'deny') return `denied ${r.id}: the waiting client gets the denial with your reason\n`;
  if (r.status === 'approved') return `approved ${r.id}: the statement runs now\n`;
  const missing = r.required - r.approvals;
  return `approved ${r.id}: ${r.approvals} of ${r.required} approvals; waiting for ${missing} more from ${r.approverGroups.join(', ')}\n`;
}

/** `gatehouse approvals list|show|approve|deny`: calls the control API; tests call this directly. */
export async function approvalsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, OPTIONS, APPROVALS_USAGE, io, true);
  if (!parsed) return ExitCode.usage;
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(APPROVALS_USAGE);
    return ExitCode.ok;
  }
  const [sub, id, ...extra] = positionals;
  const usage = (message: string): number => {
    io.stderr(`${message}\n\n${APPROVALS_USAGE}`);
    return ExitCode.usage;
  };
  if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    return usage(
      sub === undefined
        ? 'missing approvals subcommand'
        : `unknown approvals subcommand ${JSON.stringify(sub)}`,
    );
  }
  const command = sub as Subcommand;
  if (command === 'list' ? id !== undefined : id === undefined || extra.length > 0) {
    return usage(command === 'list' ? 'list takes no id' : `${command} takes one approval id (apr_...)`);
  }
  if (values.status !== undefined && !(APPROVAL_STATUSES as readonly string[]).includes(values.status)) {
    return usage(
      `--status: expected one of ${APPROVAL_STATUSES.join(', ')}, got ${JSON.stringify(values.status)}`,
    );
  }
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 500)) {
    return usage(`--limit: expected a whole number from 1 to 500, got ${JSON.stringify(values.limit)}`);
  }
  const reason = values.reason?.trim();
  if (command === 'deny' && !reason)
    return usage('deny needs --reason: the waiting client and the audit trail get it');

  let endpoint: ControlEndpoint;
  try {
    endpoint = resolveEndpoint({
      url: values.url,
      token: values.token,
      configFile: findConfigFile(values.config, io.env, io.cwd),
      env: io.env,
    });
  } catch (err) {
    if (!(err instanceof EndpointError)) throw err;
    io.stderr(`${err.message}\n`);
    return ExitCode.usage;
  }

  let res: ControlResponse;
  try {
    res = await call(endpoint, command, id, {
      status: values.status as ApprovalStatus | undefined,
      limit,
      reason,
    });
  } catch (err) {
    io.stderr(`could not reach the control API at ${endpoint.baseUrl}: ${(err as Error).message}\n`);
    return ExitCode.failed;
  }
  if (res.status !== 200) {
    io.stderr(`${failure(res)}\n`);
    return ExitCode.failed;
  }
  if (values.json) {
    io.stdout(`${JSON.stringify(res.body, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (command === 'list') io.stdout(formatList((res.body as { approvals: ApprovalRequest[] }).approvals));
  else if (command === 'show') io.stdout(formatRequest(res.body as ApprovalRequest));
  else io.stdout(decisionSummary(command, res.body as ApprovalRequest));
  return ExitCode.ok;
}

function call(
  endpoint: ControlEndpoint,
  command: Subcommand,
  id: string | undefined,
  o: { status: ApprovalStatus | undefined; limit: number | undefined; reason: string | undefined },
): Promise<ControlResponse> {
  const path = (rest: string) => `v1/approvals${rest}`;
  switch (command) {
    case 'list': {
      const query = new URLSearchParams();
      if (o.status) query.set('status', o.status);
      if (o.limit) query.set('limit', String(o.limit));
      const qs = query.toString();
      return callControl(endpoint, 'GET', path(qs ? `?${qs}` : ''));
    }
    case 'show':
      return callControl(endpoint, 'GET', path(`/${encodeURIComponent(id!)}`));
    case 'approve':
    case 'deny':
      return callControl(
        endpoint,
        'POST',
        path(`/${encodeURIComponent(id!)}/${command}`),
        o.reason ? { reason: o.reason } : {},
      );
  }
}
