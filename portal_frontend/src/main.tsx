import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App as AntApp, ConfigProvider } from "antd";
import ruRU from "antd/locale/ru_RU";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import App from "./App";
import "./i18n";
import { RequestError } from "./shared/api";
import { readableTheme } from "./shared/theme";
import "./shared/format";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // a refused request (no access, not found) is not retried; a network error is, twice
      retry: (count, error) => !(error instanceof RequestError && !error.codes.includes("NETWORK")) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ConfigProvider locale={ruRU} theme={{ ...readableTheme, token: { colorPrimary: "#1f6feb", ...readableTheme.token } }}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <App />
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  </StrictMode>,
);
