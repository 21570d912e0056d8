// react-query around the typed GraphQL operations: cache keys are the operation name and variables.
import {
  useMutation,
  useQuery,
  useQueryClient,
  type UseQueryOptions,
} from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { TypedDocumentString } from "../gql/graphql";
import { gqlRequest } from "./api";

export function operationName(document: { toString(): string }): string {
  const match = document.toString().match(/(?:query|mutation)\s+(\w+)/);
  return match ? match[1] : "anonymous";
}

export function useGql<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables?: TVariables,
  options: Omit<UseQueryOptions<TResult, Error>, "queryKey" | "queryFn"> = {},
) {
  return useQuery<TResult, Error>({
    queryKey: [operationName(document), variables ?? {}],
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    queryFn: () => (gqlRequest as any)(document, variables),
    ...options,
  });
}

/**
 * A mutation; on success the listed queries (by operation name) are refetched, or every query
 * when none are listed.
 */
export function useGqlMutation<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  invalidate: string[] = [],
) {
  const client = useQueryClient();
  return useMutation<TResult, Error, TVariables>({
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    mutationFn: (variables: TVariables) => (gqlRequest as any)(document, variables),
    onSuccess: async () => {
      if (invalidate.length) {
        await Promise.all(invalidate.map((name) => client.invalidateQueries({ queryKey: [name] })));
      } else {
        await client.invalidateQueries();
      }
    },
  });
}

/** The value once it has stayed unchanged for `ms` milliseconds (e.g. a search typed into a field). */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
