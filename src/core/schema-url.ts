/**
 * Where users' editors and error messages find the JSON Schemas of the files they write: the copy
 * of `schemas/` published with this version on GitHub (a path inside the toolkit means nothing in
 * the user's repository).
 */
import pkg from '../../package.json' with { type: 'json' };

/** Base URL of the schemas of this version, e.g. `https://raw.githubusercontent.com/dataops-actions/dataops-actions/v0.1.0/schemas`. */
export const SCHEMA_BASE_URL = `https://raw.githubusercontent.com/dataops-actions/dataops-actions/v${pkg.version}/schemas`;

/** URL of one schema file of {@link SCHEMA_BASE_URL}, e.g. `schemaUrl('quality-suite.schema.json')`. */
export const schemaUrl = (file: string): string => `${SCHEMA_BASE_URL}/${file}`;
