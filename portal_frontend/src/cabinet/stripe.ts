// Stripe.js from the host's configured URL (a <script> tag, so a local stand-in can serve it), typed to
// the little the cabinet uses: a card element, createToken and confirmCardPayment.
import i18n from "../i18n";
import { config } from "../shared/config";

export interface StripeError {
  message?: string;
}

export interface CardElement {
  mount(target: HTMLElement): void;
  destroy(): void;
  on(event: "change", handler: (event?: { error?: StripeError; complete?: boolean }) => void): void;
}

export interface StripeClient {
  elements(): { create(type: "card", options?: Record<string, unknown>): CardElement };
  createToken(card: CardElement): Promise<{ token?: { id: string }; error?: StripeError }>;
  confirmCardPayment(clientSecret: string): Promise<{ paymentIntent?: { status: string }; error?: StripeError }>;
}

declare global {
  interface Window {
    Stripe?: (key: string) => StripeClient;
  }
}

let loading: Promise<StripeClient> | null = null;

export function loadStripe(): Promise<StripeClient> {
  if (!loading) {
    loading = new Promise<StripeClient>((resolve, reject) => {
      const ready = () => {
        if (window.Stripe) resolve(window.Stripe(config.stripe.publishableKey));
        else reject(new Error(i18n.t("cabinet:stripe.notLoaded")));
      };
      if (window.Stripe) {
        ready();
        return;
      }
      if (!config.stripe.jsUrl || !config.stripe.publishableKey) {
        reject(new Error(i18n.t("cabinet:stripe.unavailable")));
        return;
      }
      const script = document.createElement("script");
      script.src = config.stripe.jsUrl;
      script.async = true;
      script.onload = ready;
      script.onerror = () => reject(new Error(i18n.t("cabinet:stripe.loadFailed")));
      document.head.appendChild(script);
    }).catch((exc) => {
      loading = null; // allow a retry
      throw exc;
    });
  }
  return loading;
}
