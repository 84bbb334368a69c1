/**
 * A form generated from a skill's input JSON Schema: one field per property
 * of an object schema (text, number, checkbox, a select for an enum, a
 * comma-separated list for an array of scalars). A schema it cannot render
 * this way is edited as JSON instead.
 */
/** The subset of JSON Schema the generated forms understand; anything else is edited as JSON. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  then?: JsonSchema;
  else?: JsonSchema;
  default?: unknown;
  minimum?: number;
  maximum?: number;
}

const typeOf = (s: JsonSchema): string | undefined => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type);

/** An object schema with its properties: what a form renders. */
export type FormSchema = JsonSchema & { properties: Record<string, JsonSchema> };

/**
 * The object schema {@link SchemaForm} renders for `schema`: the schema
 * itself, or the object branch of a `oneOf`/`anyOf` (skills that take text
 * or data), when every property is a field it knows; else undefined.
 */
export function formSchema(schema: JsonSchema | undefined): FormSchema | undefined {
  if (schema === undefined) return undefined;
  const branch = typeOf(schema) === 'object' ? schema : branches(schema).find((b) => typeOf(b) === 'object');
  if (branch?.properties === undefined) return undefined;
  const ok = Object.values(branch.properties).every((p) => {
    const t = typeOf(p);
    if (t === 'array') return p.items !== undefined && ['string', 'number', 'integer'].includes(typeOf(p.items) ?? '');
    return t === 'string' || t === 'number' || t === 'integer' || t === 'boolean' || p.enum !== undefined;
  });
  return ok ? (branch as FormSchema) : undefined;
}

/** Whether a skill also takes free text (no schema, or a string branch). */
export function takesText(schema: JsonSchema | undefined): boolean {
  if (schema === undefined) return true;
  return typeOf(schema) === 'string' || branches(schema).some((b) => typeOf(b) === 'string');
}

/** The alternatives a schema offers: `oneOf`, `anyOf`, or if/then/else (the text-or-data pattern of writing-an-agent.md). */
function branches(schema: JsonSchema): JsonSchema[] {
  return [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...[schema.then, schema.else].filter((b): b is JsonSchema => b !== undefined)];
}

/** The value the form's fields make, typed by the schema. */
export function valueOf(schema: FormSchema, form: HTMLFormElement): Record<string, unknown> {
  const data = new FormData(form);
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(schema.properties)) {
    const t = typeOf(p);
    const raw = data.get(`field-${name}`);
    if (t === 'boolean') {
      out[name] = raw === 'on';
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (text === '') continue;
    if (t === 'array') {
      const itemType = typeOf(p.items!);
      const items = text.split(',').map((x) => x.trim()).filter((x) => x !== '');
      out[name] = itemType === 'string' ? items : items.map(Number);
    } else if (t === 'number' || t === 'integer') {
      out[name] = Number(text);
    } else {
      out[name] = text;
    }
  }
  return out;
}

export function SchemaForm(props: { schema: FormSchema }) {
  const required = new Set(props.schema.required ?? []);
  return (
    <div class="schema-form">
      {Object.entries(props.schema.properties).map(([name, p]) => {
        const id = `field-${name}`;
        const t = typeOf(p);
        const label = (
          <label for={id}>
            {p.title ?? name}
            {required.has(name) && <span aria-hidden="true"> *</span>}
          </label>
        );
        const help = p.description !== undefined ? <small id={`${id}-help`}>{p.description}</small> : null;
        const described = p.description !== undefined ? `${id}-help` : undefined;
        if (p.enum !== undefined)
          return (
            <div class="field" key={name}>
              {label}
              <select id={id} name={id} required={required.has(name)} aria-describedby={described}>
                {p.enum.map((v) => (
                  <option key={String(v)} value={String(v)}>
                    {String(v)}
                  </option>
                ))}
              </select>
              {help}
            </div>
          );
        if (t === 'boolean')
          return (
            <div class="field checkbox" key={name}>
              <input id={id} name={id} type="checkbox" checked={p.default === true} aria-describedby={described} />
              {label}
              {help}
            </div>
          );
        const value = p.default === undefined ? undefined : Array.isArray(p.default) ? p.default.join(', ') : String(p.default);
        return (
          <div class="field" key={name}>
            {label}
            {t === 'number' || t === 'integer' ? (
              <input id={id} name={id} type="number" step={t === 'integer' ? 1 : 'any'} required={required.has(name)} value={value} aria-describedby={described} />
            ) : (
              <input id={id} name={id} type="text" required={required.has(name)} placeholder={t === 'array' ? 'comma-separated values' : undefined} value={value} aria-describedby={described} />
            )}
            {help}
          </div>
        );
      })}
    </div>
  );
}
