// The GraphQL client: same-origin POST /graphql with the session cookie and the CSRF token,
// typed by the operations graphql-codegen generates into src/gql.
import type { TypedDocumentString } from "../gql/graphql";
import i18n from "../i18n";

export interface FieldError {
  field?: string | null;
  message: string;
  code: string;
}

/** A request the server refused as a whole (top-level GraphQL errors, HTTP errors, network). */
export class RequestError extends Error {
  codes: string[];
  constructor(message: string, codes: string[] = []) {
    super(message);
    this.codes = codes;
  }
}

/** A mutation that answered with errors in its payload: each names its field, in Russian. */
export class MutationError extends Error {
  errors: FieldError[];
  constructor(errors: FieldError[]) {
    super(errors.map((e) => e.message).join(" "));
    this.errors = errors;
  }
}

export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export async function ensureCsrf(): Promise<void> {
  if (!csrfToken()) {
    await fetch("/auth/csrf", { credentials: "same-origin" });
  }
}

export async function gqlRequest<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
): Promise<TResult> {
  await ensureCsrf();
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    });
  } catch {
    throw new RequestError(i18n.t("api.network"), ["NETWORK"]);
  }
  let body: { data?: TResult; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = await response.json();
  } catch {
    throw new RequestError(i18n.t("api.httpError", { status: response.status }), ["HTTP"]);
  }
  if (body.errors?.length) {
    throw new RequestError(
      body.errors.map((e) => e.message).join(" "),
      body.errors.map((e) => e.extensions?.code ?? "ERROR"),
    );
  }
  return body.data as TResult;
}

/** The payload of a mutation's single root field; throws MutationError when it carries errors. */
export function payload<T extends { errors: FieldError[] }>(data: Record<string, T | null | undefined>): T {
  const value = Object.values(data)[0];
  if (!value) {
    throw new RequestError(i18n.t("api.emptyAnswer"));
  }
  if (value.errors.length) {
    throw new MutationError(value.errors);
  }
  return value;
}

/** The files an import takes (POST /uploads/<kind>); each kind's import is a GraphQL mutation taking the key. */
export type UploadKind =
  | "readings"
  | "opening-balances"
  | "own-receipts"
  | "payment-registry"
  | "bank-statement"
  | "payout-confirmation";

/** Stores a file for an import (POST /uploads/<kind>, multipart) and answers the key its mutation takes. */
export async function uploadFile(kind: UploadKind, file: File, onProgress?: (percent: number) => void): Promise<string> {
  await ensureCsrf();
  const form = new FormData();
  form.append("file", file);
  return new Promise<string>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/uploads/${kind}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && onProgress) onProgress(Math.round((event.loaded / event.total) * 100));
    };
    xhr.onerror = () => reject(new RequestError(i18n.t("api.networkShort"), ["NETWORK"]));
    xhr.onload = () => {
      let body: { key?: string; errors?: (Partial<FieldError> & { message: string; extensions?: { code?: string } })[] };
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        reject(new RequestError(i18n.t("api.httpErrorShort", { status: xhr.status }), ["HTTP"]));
        return;
      }
      if (xhr.status === 200 && body.key) {
        resolve(body.key);
        return;
      }
      const errs = body.errors ?? [];
      if (errs.length && errs.every((e) => e.field !== undefined)) {
        // the file itself is refused (none attached): named by its field
        reject(new MutationError(errs.map((e) => ({ field: e.field ?? null, message: e.message, code: e.code ?? "" }))));
      } else {
        reject(
          new RequestError(
            errs.map((e) => e.message).join(" ") || i18n.t("api.httpErrorShort", { status: xhr.status }),
            errs.map((e) => e.extensions?.code ?? "HTTP"),
          ),
        );
      }
    };
    xhr.send(form);
  });
}

/** A file imported: stored for a key (with progress), then the kind's typed import mutation run with that key.
 * Answers the mutation's data; read it with `payload()`, which throws the typed errors. */
export async function importFile<TResult, TVariables extends { key: string }>(
  kind: UploadKind,
  file: File,
  document: TypedDocumentString<TResult, TVariables>,
  variables: Omit<TVariables, "key">,
  onProgress?: (percent: number) => void,
): Promise<TResult> {
  const key = await uploadFile(kind, file, onProgress);
  const all = { ...variables, key } as unknown as TVariables;
  return (gqlRequest as (d: typeof document, v: TVariables) => Promise<TResult>)(document, all);
}
