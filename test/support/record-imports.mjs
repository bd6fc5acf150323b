/**
 * `node --import ./test/support/record-imports.mjs …`: appends every module URL the process
 * resolves to the file named by RECORD_IMPORTS_FILE, so a test can say which packages a process
 * loaded (test/integration/tracing.test.ts: no OpenTelemetry SDK without OTEL_EXPORTER_OTLP_ENDPOINT).
 */
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      if (process.env.RECORD_IMPORTS_FILE) appendFileSync(process.env.RECORD_IMPORTS_FILE, resolved.url + '\\n');
      return resolved;
    }`)}`,
);
