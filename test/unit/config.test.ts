import { ConfigError, parseConfig } from '../../shared/config';

const productionEnv = {
  APP_ENV: 'production',
  JWT_SECRET: 'a-real-production-secret-of-enough-length-0123456789',
  DATABASE_URL: 'postgres://app:pw@db.internal:5432/sales',
  KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
  TEMPORAL_ADDRESS: 'temporal.internal:7233',
};

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    parseConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected parseConfig to throw a ConfigError');
}

describe('parseConfig', () => {
  test('an empty environment is a development setup pointing at the local stack', () => {
    const cfg = parseConfig({});
    expect(cfg.env).toBe('development');
    expect(cfg.http).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(cfg.database.url).toBe('postgres://sales_saga@127.0.0.1:5433/sales_saga');
    expect(cfg.provided).toEqual({ database: false, kafka: false, temporal: false });
    expect(cfg.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(cfg.kafka.sasl).toBeUndefined();
    expect(cfg.temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'sales-saga' });
    expect(cfg.auth.jwtTtlSeconds).toBe(900);
    expect(cfg.auth.refreshTtlSeconds).toBe(12 * 3600);
    expect(cfg.auth.scrypt).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    expect(cfg.auth.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(cfg.demo).toEqual({ seed: true, password: 'demo-password' });
    expect(cfg.saga.reservationTtlSeconds).toBe(900);
  });

  test('APP_ENV=test uses its own database and task queue', () => {
    const cfg = parseConfig({ APP_ENV: 'test' });
    expect(cfg.database.url).toMatch(/\/sales_saga_test$/);
    expect(cfg.temporal.taskQueue).toBe('sales-saga-test');
    expect(cfg.demo.seed).toBe(false);
    // tests hash cheaply (every test user gets a real hash); the format records the cost
    expect(cfg.auth.scrypt.N).toBeLessThan(2 ** 17);
  });

  test('production without its settings refuses to start, naming every problem', () => {
    const err = configError({ APP_ENV: 'production', SEED_DEMO_DATA: 'true' });
    expect(err.message).toContain('APP_ENV=production');
    for (const problem of ['JWT_SECRET', 'SEED_DEMO_DATA', 'DATABASE_URL', 'KAFKA_BROKERS', 'TEMPORAL_ADDRESS']) {
      expect(err.message).toContain(problem);
    }
  });

  test('production with a single missing setting names just that one', () => {
    const { TEMPORAL_ADDRESS: _omitted, ...rest } = productionEnv;
    const err = configError(rest);
    expect(err.message).toContain('TEMPORAL_ADDRESS is not set');
    expect(err.message).not.toContain('JWT_SECRET');
  });

  test('tracing, once switched on, records every request in development and tests and one in ten in production unless told', () => {
    expect(parseConfig({ OTEL_TRACES_EXPORTER: 'zipkin' }).tracing.sampleRatio).toBe(1);
    expect(parseConfig({ APP_ENV: 'test', OTEL_TRACES_EXPORTER: 'zipkin' }).tracing.sampleRatio).toBe(1);
    expect(parseConfig({ ...productionEnv, OTEL_TRACES_EXPORTER: 'otlp' }).tracing.sampleRatio).toBe(0.1);
    expect(parseConfig({ ...productionEnv, OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER_ARG: '1' }).tracing.sampleRatio).toBe(1);
    expect(parseConfig({ OTEL_TRACES_SAMPLER_ARG: '0.25' }).tracing.sampleRatio).toBe(0.25);
  });

  test('spans leave each process every second in development and tests, every 5 s (OpenTelemetry\'s default) in production unless told', () => {
    expect(parseConfig({ OTEL_TRACES_EXPORTER: 'zipkin' }).tracing.exportDelayMs).toBe(1000);
    expect(parseConfig({ APP_ENV: 'test', OTEL_TRACES_EXPORTER: 'zipkin' }).tracing.exportDelayMs).toBe(1000);
    expect(parseConfig({ ...productionEnv, OTEL_TRACES_EXPORTER: 'otlp' }).tracing.exportDelayMs).toBe(5000);
    expect(parseConfig({ ...productionEnv, OTEL_BSP_SCHEDULE_DELAY: '250' }).tracing.exportDelayMs).toBe(250);
    expect(() => parseConfig({ OTEL_BSP_SCHEDULE_DELAY: 'soon' })).toThrow(/OTEL_BSP_SCHEDULE_DELAY/);
  });

  test('production with everything set passes and uses the given servers', () => {
    const cfg = parseConfig(productionEnv);
    expect(cfg.env).toBe('production');
    expect(cfg.provided).toEqual({ database: true, kafka: true, temporal: true });
    expect(cfg.database.url).toBe(productionEnv.DATABASE_URL);
    expect(cfg.kafka.brokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(cfg.auth.jwtSecret).toBe(productionEnv.JWT_SECRET);
    expect(cfg.demo.seed).toBe(false);
  });

  test('a bad PORT is a one-line ConfigError naming PORT', () => {
    const err = configError({ PORT: 'eighty' });
    expect(err.message).toMatch(/PORT/);
    expect(err.message).not.toContain('\n');
    expect(configError({ PORT: '70000' }).message).toMatch(/PORT/);
  });

  test('a short JWT_SECRET is refused', () => {
    expect(configError({ JWT_SECRET: 'short' }).message).toContain('JWT_SECRET must be at least 32 characters');
  });

  test('KAFKA_SASL_MECHANISM without credentials is a ConfigError', () => {
    const err = configError({ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_PASSWORD: 'pw' });
    expect(err.message).toContain('KAFKA_SASL_USERNAME');
  });

  test('KAFKA_SASL_MECHANISM with credentials configures SASL', () => {
    const cfg = parseConfig({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SSL: 'true' });
    expect(cfg.kafka.sasl).toEqual({ mechanism: 'plain', username: 'u', password: 'p' });
    expect(cfg.kafka.ssl).toBe(true);
  });

  test('production refuses a scrypt cost below N=2^17', () => {
    expect(configError({ ...productionEnv, PASSWORD_SCRYPT_LOG_N: '14' }).message).toContain('PASSWORD_SCRYPT_LOG_N');
    expect(parseConfig({ ...productionEnv, PASSWORD_SCRYPT_LOG_N: '18' }).auth.scrypt.N).toBe(2 ** 18);
  });
});

describe('safe by default: development secrets only on purpose or on loopback', () => {
  const realSecret = productionEnv.JWT_SECRET;

  test.each(['127.0.0.1', '127.0.1.5', '::1', 'localhost'])('APP_ENV unset on loopback %s: the development defaults are fine', (HOST) => {
    expect(parseConfig({ HOST }).demo.seed).toBe(true);
  });

  test.each(['0.0.0.0', '::', '192.168.1.20', 'api.example.com'])('APP_ENV unset, HOST=%s, no JWT_SECRET: one line naming HOST, JWT_SECRET and APP_ENV', (HOST) => {
    const err = configError({ HOST });
    expect(err.message).not.toContain('\n');
    expect(err.message).toContain(`HOST=${HOST}`);
    expect(err.message).toContain('JWT_SECRET');
    expect(err.message).toContain('APP_ENV');
  });

  test('APP_ENV unset on a public address with a real secret still refuses the demo users', () => {
    const err = configError({ HOST: '0.0.0.0', JWT_SECRET: realSecret });
    expect(err.message).toContain('demo users');
    expect(err.message).not.toContain('JWT_SECRET is');
    expect(parseConfig({ HOST: '0.0.0.0', JWT_SECRET: realSecret, SEED_DEMO_DATA: 'false' }).demo.seed).toBe(false);
  });

  test('APP_ENV=test on a public address is refused too (only development may be exposed on purpose)', () => {
    expect(configError({ APP_ENV: 'test', HOST: '0.0.0.0' }).message).toContain('JWT_SECRET');
  });

  test('APP_ENV=development set explicitly allows them on any address', () => {
    const cfg = parseConfig({ APP_ENV: 'development', HOST: '0.0.0.0' });
    expect(cfg.demo.seed).toBe(true);
  });

  test('the worker metrics address counts as a listening address', () => {
    expect(configError({ WORKER_METRICS_ADDRESS: '0.0.0.0:9464' }).message).toContain('WORKER_METRICS_ADDRESS=0.0.0.0:9464');
    expect(parseConfig({ WORKER_METRICS_ADDRESS: '[::1]:9464' }).env).toBe('development');
  });
});

describe('rules and metrics settings (issue #12)', () => {
  const productionEnv = {
    APP_ENV: 'production',
    JWT_SECRET: 'a-real-production-secret-of-enough-length-0123456789',
    DATABASE_URL: 'postgres://app:pw@db.internal:5432/sales',
    KAFKA_BROKERS: 'kafka-1:9092',
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
  };

  test('defaults: staff discount cap 50 %, 5 open reservations and 10 units per product per customer', () => {
    expect(parseConfig({}).rules).toEqual({ maxStaffDiscountPercent: 50, maxOpenReservationsPerCustomer: 5, maxReservedUnitsPerProduct: 10, writeRateLimitPerMinute: 300 });
  });

  test('/metrics: open on the API port in development, not in production unless a token or its own port is set', async () => {
    const { metricsOnApiPort } = await import('../../api/metrics');
    expect(metricsOnApiPort(parseConfig({}))).toBe(true);
    expect(metricsOnApiPort(parseConfig(productionEnv))).toBe(false);
    expect(metricsOnApiPort(parseConfig({ ...productionEnv, METRICS_TOKEN: 'a-scrape-token-0123456789' }))).toBe(true);
    expect(metricsOnApiPort(parseConfig({ ...productionEnv, METRICS_PORT: '9100' }))).toBe(false);
    // an empty token (docker-compose passes the variable through when .env leaves it out) is no token
    expect(parseConfig({ ...productionEnv, METRICS_TOKEN: '' }).metrics.token).toBeUndefined();
    expect(() => parseConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
  });
});
