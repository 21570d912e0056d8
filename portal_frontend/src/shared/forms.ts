// Mapping a mutation's field errors onto an Ant Design form, and a message for the rest.
import type { FormInstance } from "antd";
import { MutationError } from "./api";

/** Puts each error on its field; returns the message of errors no field of the form shows. */
export function applyErrors(form: FormInstance | null, error: unknown): string | null {
  if (error instanceof MutationError) {
    const known = new Set(form ? Object.keys(form.getFieldsValue(true) ?? {}) : []);
    const onFields = error.errors.filter((e) => e.field && known.has(e.field));
    form?.setFields(onFields.map((e) => ({ name: e.field as string, errors: [e.message] })));
    const rest = error.errors.filter((e) => !onFields.includes(e));
    return rest.length ? rest.map((e) => e.message).join(" ") : null;
  }
  return error instanceof Error ? error.message : String(error);
}
