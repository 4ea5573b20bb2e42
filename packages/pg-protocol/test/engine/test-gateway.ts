import type { SecureContext } from 'node:tls';
import pino from 'pino';
import {
  GatewayError,
  type ApprovalGate,
  type AuditTrail,
  Pipeline,
  SessionRegistry,
  type CredentialVerifier,
  type Identity,
  type Policy,
  type StatementAnalyser,
  type TargetDirectory,
  type TargetRef,
  type UpstreamEndpoint,
} from '@gatehouse/sql-core';
import { PostgresEngine } from '../../src/engine';

/**
 * An in-process PostgreSQL engine on a free port, in front of the local
 * PostgreSQL. Identity is a fixed token table here (the gateway's JWT and
 * service-token verifier is tested in apps/gateway); everything on the wire
 * is real.
 */
export interface TestGateway {
  readonly port: number;
  readonly engine: PostgresEngine;
  readonly sessions: SessionRegistry;
  readonly pipeline: Pipeline;
  stop(): Promise<void>;
}

export const TOKENS: Record<string, Identity> = {
  'token-alice': { subject: 'alice', groups: ['dev'], authMethod: 'service_token', issuer: 'test' },
  'token-ci': { subject: 'ci-bot', groups: ['ci'], authMethod: 'service_token', issuer: 'test' },
};

export const allowAll: Policy = {
  evaluate: () => ({ action: 'allow', ruleId: 'test-allow-all', reason: 'test' }),
};

export interface TestGatewayOptions {
  readonly upstream?: Partial<UpstreamEndpoint>;
  readonly tls?: SecureContext;
  readonly allowPlaintextLoopback?: boolean;
  readonly policy?: Policy;
  readonly analyser?: StatementAnalyser;
  readonly maxMessageSize?: number;
  readonly targets?: Record<string, { environment: string; database: string }>;
  readonly audit?: AuditTrail;
  readonly approvals?: ApprovalGate;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const logger = pino({ level: process.env.GATEHOUSE_TEST_LOG ?? 'silent' });
  const verifier: CredentialVerifier = {
    verify: async (credential) => {
      const identity = TOKENS[credential];
      if (!identity) throw new GatewayError('auth_failed', 'the token is not valid');
      return identity;
    },
  };
  const targetTable = options.targets ?? { local: { environment: 'test', database: 'test' } };
  const targets: TargetDirectory = {
    resolve(startupDatabase) {
      const [name = '', database] = (startupDatabase ?? '').split('/', 2);
      const t = targetTable[name];
      if (!t) throw new GatewayError('unknown_target', `no target named "${name}"`);
      return {
        target: { name, engine: 'postgres', environment: t.environment },
        database: database ?? t.database,
      };
    },
    upstreamFor(_target: TargetRef, _identity: Identity, database: string): UpstreamEndpoint {
      return {
        host: '127.0.0.1',
        port: 5432,
        tls: 'disable',
        user: 'postgres',
        ...options.upstream,
        database,
      };
    },
  };
  const sessions = new SessionRegistry();
  const pipeline = new Pipeline({
    analysers: options.analyser ? { postgres: options.analyser } : {},
    policy: options.policy ?? allowAll,
    logger,
    audit: options.audit ?? null,
    approvals: options.approvals ?? null,
  });
  const engine = new PostgresEngine({
    host: '127.0.0.1',
    port: 0,
    tls: options.tls,
    verifier,
    targets,
    pipeline,
    sessions,
    logger,
    allowPlaintextLoopback: options.allowPlaintextLoopback ?? true,
    maxMessageSize: options.maxMessageSize ?? 64 * 1024 * 1024,
    handshakeTimeoutMs: 5000,
    connectTimeoutMs: 5000,
  });
  const address = await engine.listen();
  return { port: address.port, engine, sessions, pipeline, stop: () => engine.stop(0) };
}
