// The host's settings, injected by Django into index.html (platform/agency/site/frontend.py).
export interface AppConfig {
  surface: "portal" | "public";
  principal: { name: string } | null;
  stripe: { publishableKey: string; jsUrl: string };
}

declare global {
  interface Window {
    __APP_CONFIG__?: AppConfig;
  }
}

export const config: AppConfig = window.__APP_CONFIG__ ?? {
  surface: "public",
  principal: null,
  stripe: { publishableKey: "", jsUrl: "" },
};
