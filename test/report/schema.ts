/** The Vega-Lite JSON schema that ships with the installed vega-lite, compiled once. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

let validate: ValidateFunction | undefined;

export function vegaLiteValidator(): ValidateFunction {
  if (!validate) {
    const entry = fileURLToPath(import.meta.resolve('vega-lite'));
    const path = entry.replace(/build\/[^/]+$/, 'build/vega-lite-schema.json');
    const schema = JSON.parse(readFileSync(path, 'utf8')) as object;
    // The schema uses union types and custom keywords; strict mode would reject the schema itself.
    // URIs appear only in $schema and data URLs, which we write ourselves; accept any string there.
    const formats = { uri: true, 'uri-reference': true } as const;
    validate = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true, formats }).compile(schema);
  }
  return validate;
}

export function schemaErrors(spec: unknown): string[] {
  const v = vegaLiteValidator();
  return v(spec) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
