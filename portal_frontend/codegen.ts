import type { CodegenConfig } from "@graphql-codegen/cli";

// Types for every operation in src/, generated from the server's schema (graphql_api/schema.graphql,
// itself generated and checked by a test). Operation names carry their area's prefix
// (Portal…, Cabinet…, Office…, Shared…) and must be unique.
const config: CodegenConfig = {
  schema: "../graphql_api/schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: "string",
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { Date: "string", DateTime: "string", Decimal: "string", ID: "string" },
      },
    },
  },
  ignoreNoDocuments: true,
};

export default config;
