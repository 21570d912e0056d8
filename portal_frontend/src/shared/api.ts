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

/** A file upload (POST /uploads/<kind>, multipart) answered with JSON. */
export async function upload<T = unknown>(
  kind: string,
  file: File,
  fields: Record<string, string> = {},
  onProgress?: (percent: number) => void,
): Promise<T> {
  await ensureCsrf();
  const form = new FormData();
  form.append("file", file);
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/uploads/${kind}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && onProgress) onProgress(Math.round((event.loaded / event.total) * 100));
    };
    xhr.onerror = () => reject(new RequestError(i18n.t("api.networkShort"), ["NETWORK"]));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        reject(new RequestError(i18n.t("api.httpErrorShort", { status: xhr.status }), ["HTTP"]));
        return;
      }
      const errs = (body as { errors?: FieldError[] | { message: string }[] }).errors;
      if (xhr.status >= 400 && errs?.length) {
        // top-level refusals carry extensions; field errors carry field/code
        const list = errs as (FieldError & { extensions?: { code?: string } })[];
        if (list.every((e) => e.field !== undefined || e.code !== undefined)) {
          reject(new MutationError(list.map((e) => ({ field: e.field ?? null, message: e.message, code: e.code }))));
        } else {
          reject(new RequestError(list.map((e) => e.message).join(" "), list.map((e) => e.extensions?.code ?? "")));
        }
        return;
      }
      resolve(body as T);
    };
    xhr.send(form);
  });
}
